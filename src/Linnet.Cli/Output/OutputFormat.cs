namespace Linnet.Cli.Output;

/// <summary>How results are printed: tables for people, JSON or YAML for scripts.</summary>
internal enum OutputFormat
{
    /// <summary>A table.</summary>
    Table,

    /// <summary>JSON.</summary>
    Json,

    /// <summary>YAML.</summary>
    Yaml,
}
