using Linnet.Api.Telemetry;

namespace Linnet.ControlPlane.Core.Judge;

/// <summary>One side's cumulative counts since the analysis started: requests, failed requests
/// (Linkerd's <c>classification="failure"</c>), and responses per <c>response_latency_ms</c> bucket
/// (<see cref="LatencyBuckets"/>, one count per bucket, not Prometheus's cumulative <c>le</c> form;
/// the last is +Inf).</summary>
public sealed record SideCounts(long Requests, long Failures, IReadOnlyList<long> LatencyBuckets)
{
    /// <summary>No traffic yet.</summary>
    public static SideCounts Empty { get; } = new(0, 0, new long[Api.Telemetry.LatencyBuckets.Count]);

    /// <summary>Converts Prometheus's cumulative <c>le</c> bucket counts (as scraped) to per-bucket counts.</summary>
    public static long[] FromCumulative(IReadOnlyList<long> cumulative)
    {
        ArgumentNullException.ThrowIfNull(cumulative);
        var counts = new long[cumulative.Count];
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = cumulative[i] - (i == 0 ? 0 : cumulative[i - 1]);
            if (counts[i] < 0)
            {
                throw new ArgumentException($"cumulative bucket {i} ({cumulative[i]}) is below bucket {i - 1} ({cumulative[i - 1]})", nameof(cumulative));
            }
        }

        return counts;
    }

    /// <inheritdoc />
    public bool Equals(SideCounts? other) =>
        other is not null && Requests == other.Requests && Failures == other.Failures && LatencyBuckets.SequenceEqual(other.LatencyBuckets);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Requests, Failures);

    /// <summary>These counts plus <paramref name="increment"/> (one look's window), histogram bucket by bucket.</summary>
    public SideCounts Plus(SideCounts increment)
    {
        ArgumentNullException.ThrowIfNull(increment);
        if (increment.LatencyBuckets.Count != LatencyBuckets.Count)
        {
            throw new ArgumentException($"histogram of {increment.LatencyBuckets.Count} buckets added to one of {LatencyBuckets.Count}", nameof(increment));
        }

        var buckets = new long[LatencyBuckets.Count];
        for (var i = 0; i < buckets.Length; i++)
        {
            buckets[i] = LatencyBuckets[i] + increment.LatencyBuckets[i];
        }

        return new SideCounts(Requests + increment.Requests, Failures + increment.Failures, buckets);
    }

    /// <summary>Responses with a recorded latency (the histogram's total).</summary>
    public long Responses
    {
        get
        {
            long total = 0;
            foreach (var count in LatencyBuckets)
            {
                total += count;
            }

            return total;
        }
    }

    /// <summary>Responses in the buckets above bucket <paramref name="boundIndex"/>, slower than its bound.</summary>
    public long ResponsesAbove(int boundIndex)
    {
        long total = 0;
        for (var i = boundIndex + 1; i < LatencyBuckets.Count; i++)
        {
            total += LatencyBuckets[i];
        }

        return total;
    }
}
