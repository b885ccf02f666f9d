using Linnet.Api.Telemetry;

namespace Linnet.ControlPlane.Core.Tests.Judge;

/// <summary>Builds per-bucket latency counts over Linkerd's bounds for hand-made test inputs.</summary>
internal static class Histograms
{
    /// <summary>Counts placed by bucket upper bound in ms (double.PositiveInfinity for +Inf).</summary>
    public static long[] With(params (double BoundMs, long Count)[] counts)
    {
        var buckets = new long[LatencyBuckets.Count];
        foreach (var (bound, count) in counts)
        {
            var index = double.IsPositiveInfinity(bound) ? LatencyBuckets.Count - 1 : IndexOf(bound);
            buckets[index] += count;
        }

        return buckets;
    }

    private static int IndexOf(double bound)
    {
        for (var i = 0; i < LatencyBuckets.Milliseconds.Count; i++)
        {
            if (LatencyBuckets.Milliseconds[i] == bound)
            {
                return i;
            }
        }

        throw new ArgumentException($"{bound} ms is not a Linkerd bucket bound", nameof(bound));
    }
}
