using Linnet.Api.Telemetry;
using MathNet.Numerics.Distributions;

namespace Linnet.Bench.Judge;

/// <summary>The primary as a realistic service: 0.5 % failures and log-normal latency with a 100 ms median
/// and a 350 ms p99. A side's requests fall into cells (failed or not) × (Linkerd latency bucket); with
/// Poisson arrivals each cell's count in a tick is an independent Poisson variable (thinning), which is
/// how one tick of one side is drawn.</summary>
internal static class TrafficModel
{
    public const double PrimaryFailureRate = 0.005;
    public const double MedianMs = 100;
    public const double P99Ms = 350;

    /// <summary>σ of ln(latency) so that the 99th percentile is <see cref="P99Ms"/>: z(0.99) = 2.3263.</summary>
    public static readonly double Sigma = Math.Log(P99Ms / MedianMs) / 2.326347874;

    public static readonly double Mu = Math.Log(MedianMs);

    /// <summary>Per-request probability of each cell: [failed ? 1 : 0][bucket].</summary>
    public static double[][] Cells(double failureRate, double latencyFactor)
    {
        var buckets = new double[LatencyBuckets.Count];
        var previous = 0.0;
        for (var i = 0; i < LatencyBuckets.Milliseconds.Count; i++)
        {
            var cdf = SlowerThanCdf(LatencyBuckets.Milliseconds[i], latencyFactor);
            buckets[i] = cdf - previous;
            previous = cdf;
        }

        buckets[^1] = 1 - previous;
        var ok = new double[buckets.Length];
        var failed = new double[buckets.Length];
        for (var i = 0; i < buckets.Length; i++)
        {
            ok[i] = (1 - failureRate) * buckets[i];
            failed[i] = failureRate * buckets[i];
        }

        return [ok, failed];
    }

    /// <summary>Share of a side's responses slower than the primary's true p99: 1 % for the primary.</summary>
    public static double SlowShare(double latencyFactor) => ShareSlowerThan(P99Ms, latencyFactor);

    /// <summary>Share of a side's responses slower than <paramref name="ms"/>.</summary>
    public static double ShareSlowerThan(double ms, double latencyFactor) => 1 - SlowerThanCdf(ms, latencyFactor);

    private static double SlowerThanCdf(double ms, double latencyFactor) => LogNormal.CDF(Mu, Sigma, ms / latencyFactor);
}
