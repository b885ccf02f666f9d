namespace Linnet.Proxy.Telemetry;

/// <summary>Transport counters of one (direction, peer, tls) series.</summary>
internal sealed class TcpSeries
{
    private long _opened;
    private long _closed;
    private long _readBytes;
    private long _writeBytes;

    public Histogram Duration { get; } = new(Histogram.LatencyBucketsMs);

    public long Opened => Volatile.Read(ref _opened);

    public long Closed => Volatile.Read(ref _closed);

    public long Open => Opened - Closed;

    public long ReadBytes => Volatile.Read(ref _readBytes);

    public long WriteBytes => Volatile.Read(ref _writeBytes);

    public void OnOpen() => Interlocked.Increment(ref _opened);

    public void OnClose(double durationMs)
    {
        Duration.ObserveMilliseconds(durationMs);
        Interlocked.Increment(ref _closed);
    }

    public void AddRead(long bytes) => Interlocked.Add(ref _readBytes, bytes);

    public void AddWrite(long bytes) => Interlocked.Add(ref _writeBytes, bytes);
}
