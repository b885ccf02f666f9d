namespace Linnet.Proxy.Telemetry;

/// <summary>A fixed-bucket histogram updated lock-free; buckets are counted individually and made
/// cumulative only when rendered.</summary>
internal sealed class Histogram
{
    /// <summary>Linkerd's <c>response_latency_ms</c> bucket bounds, so existing dashboards work.</summary>
    public static readonly double[] LatencyBucketsMs = [.. Linnet.Api.Telemetry.LatencyBuckets.Milliseconds];

    private readonly double[] _bounds;
    private readonly long[] _counts;
    private long _sumMicros;

    public Histogram(double[] bounds)
    {
        _bounds = bounds;
        _counts = new long[bounds.Length + 1];
    }

    public IReadOnlyList<double> Bounds => _bounds;

    public void ObserveMilliseconds(double ms)
    {
        var i = 0;
        while (i < _bounds.Length && ms > _bounds[i])
        {
            i++;
        }

        Interlocked.Increment(ref _counts[i]);
        Interlocked.Add(ref _sumMicros, (long)(ms * 1000));
    }

    /// <summary>Copies the per-bucket counts (last one is +Inf) and the sum in milliseconds.</summary>
    public (long[] Counts, double SumMs) Snapshot()
    {
        var counts = new long[_counts.Length];
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = Volatile.Read(ref _counts[i]);
        }

        return (counts, Volatile.Read(ref _sumMicros) / 1000.0);
    }
}
