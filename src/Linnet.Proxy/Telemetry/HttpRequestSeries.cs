namespace Linnet.Proxy.Telemetry;

/// <summary>Counters of one (direction, authority, tls) series.</summary>
internal sealed class HttpRequestSeries
{
    private long _requests;

    public long Requests => Volatile.Read(ref _requests);

    public void AddRequest() => Interlocked.Increment(ref _requests);
}
