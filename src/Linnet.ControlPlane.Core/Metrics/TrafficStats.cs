namespace Linnet.ControlPlane.Core.Metrics;

/// <summary>Requests answered over a window and how fast: the figures of one row of <c>linnet stat</c>.</summary>
/// <param name="Requests">Responses counted in the window.</param>
/// <param name="Successes">Of those, the successful ones (Linkerd's <c>classification="success"</c>).</param>
/// <param name="Window">The window.</param>
/// <param name="LatencyP50Ms">Median latency (ms), null without responses.</param>
/// <param name="LatencyP95Ms">95th percentile (ms).</param>
/// <param name="LatencyP99Ms">99th percentile (ms).</param>
public sealed record TrafficStats(double Requests, double Successes, TimeSpan Window, double? LatencyP50Ms, double? LatencyP95Ms, double? LatencyP99Ms)
{
    /// <summary>No traffic.</summary>
    public static TrafficStats None(TimeSpan window) => new(0, 0, window, null, null, null);

    /// <summary>Requests per second over the window.</summary>
    public double Rps => Window > TimeSpan.Zero ? Requests / Window.TotalSeconds : 0;

    /// <summary>Successes / requests (0..1); null without requests.</summary>
    public double? SuccessRate => Requests > 0 ? Successes / Requests : null;
}
