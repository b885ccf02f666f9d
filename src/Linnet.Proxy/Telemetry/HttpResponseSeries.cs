namespace Linnet.Proxy.Telemetry;

/// <summary>Response count and latency of one (direction, authority, tls, status, classification) series.</summary>
internal sealed class HttpResponseSeries
{
    private long _responses;

    public Histogram Latency { get; } = new(Histogram.LatencyBucketsMs);

    public long Responses => Volatile.Read(ref _responses);

    public void Add(double latencyMs)
    {
        Latency.ObserveMilliseconds(latencyMs);
        Interlocked.Increment(ref _responses);
    }
}
