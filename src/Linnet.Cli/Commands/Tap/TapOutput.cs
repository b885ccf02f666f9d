namespace Linnet.Cli.Commands.Tap;

/// <summary>How <c>linnet tap</c> prints events (Linkerd's <c>-o</c> values).</summary>
internal enum TapOutput
{
    /// <summary>Linkerd's req/rsp/end lines.</summary>
    Default,

    /// <summary>The lines, with the source and destination resources.</summary>
    Wide,

    /// <summary>One JSON object per event, headers included.</summary>
    Json,
}
