using Linnet.Api.Telemetry;

namespace Linnet.Bench.Judge;

/// <summary>Prometheus's <c>histogram_quantile</c> on per-bucket counts: find the bucket where the rank
/// q·total falls and interpolate linearly inside it (from 0 for the first bucket); a rank in +Inf returns
/// the highest finite bound.</summary>
internal static class PrometheusQuantile
{
    public static double HistogramQuantile(double q, long[] buckets)
    {
        long total = 0;
        foreach (var count in buckets)
        {
            total += count;
        }

        var rank = q * total;
        long below = 0;
        for (var i = 0; i < buckets.Length; i++)
        {
            if (below + buckets[i] >= rank)
            {
                if (i == buckets.Length - 1)
                {
                    return LatencyBuckets.Milliseconds[^1];
                }

                var lower = i == 0 ? 0 : LatencyBuckets.Milliseconds[i - 1];
                var upper = LatencyBuckets.Milliseconds[i];
                return lower + ((upper - lower) * (rank - below) / buckets[i]);
            }

            below += buckets[i];
        }

        return double.NaN;
    }
}
