namespace Linnet.Api.Telemetry;

/// <summary>Linkerd's <c>response_latency_ms</c> histogram bucket bounds: the proxy records with them and
/// the canary judge reads histograms in them, so both sides agree on what a bucket means.</summary>
public static class LatencyBuckets
{
    /// <summary>Upper bounds in milliseconds, ascending; a histogram has one more bucket, +Inf.</summary>
    public static IReadOnlyList<double> Milliseconds { get; } =
    [
        1, 2, 3, 4, 5, 10, 20, 30, 40, 50, 100, 200, 300, 400, 500,
        1000, 2000, 3000, 4000, 5000, 10000, 20000, 30000, 40000, 50000,
    ];

    /// <summary>How many counts a histogram over these bounds has, +Inf included.</summary>
    public static int Count => Milliseconds.Count + 1;
}
