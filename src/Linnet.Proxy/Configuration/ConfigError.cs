namespace Linnet.Proxy.Configuration;

/// <summary>One problem with a config file: where, and why.</summary>
public sealed record ConfigError(string Path, string Reason)
{
    /// <inheritdoc />
    public override string ToString() => $"{Path}: {Reason}";
}
