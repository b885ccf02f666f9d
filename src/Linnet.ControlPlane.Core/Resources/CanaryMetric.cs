namespace Linnet.ControlPlane.Core.Resources;

/// <summary>One of Flagger's <c>analysis.metrics</c>: a built-in check (<c>request-success-rate</c> in percent,
/// <c>request-duration</c> as the p99 in milliseconds) over <see cref="Interval"/>, held against its range.</summary>
public sealed record CanaryMetric(string Name, TimeSpan Interval, double? Min, double? Max)
{
    /// <summary>Flagger's built-in success rate (percent of non-failure responses).</summary>
    public const string RequestSuccessRate = "request-success-rate";

    /// <summary>Flagger's built-in duration (p99 of response latency, milliseconds).</summary>
    public const string RequestDuration = "request-duration";

    /// <summary>The built-in names.</summary>
    public static IReadOnlyList<string> BuiltIn { get; } = [RequestSuccessRate, RequestDuration];
}
