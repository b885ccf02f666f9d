using System.Collections.Concurrent;

namespace Linnet.Proxy.Telemetry;

/// <summary>Counters of one route rule (parent service, route): final statuses and what its filters did.</summary>
internal sealed class RouteSeries(string parent, string route)
{
    private long _retries;
    private long _retryLimitExceeded;
    private long _retryOverflow;
    private long _requestTimeouts;
    private long _backendTimeouts;
    private long _idleTimeouts;
    private long _faultAborts;
    private long _faultDelays;
    private long _mirrored;
    private long _mirrorsDropped;

    public string Parent { get; } = parent;

    public string Route { get; } = route;

    /// <summary>The series' labels, rendered once (Linkerd's parent_*, route_*).</summary>
    public string Labels { get; init; } = "";

    /// <summary>(HTTP status, error) → count of requests the route answered.</summary>
    public ConcurrentDictionary<(int Status, string Error), long[]> Statuses { get; } = new();

    public long Retries => Interlocked.Read(ref _retries);

    public long RetryLimitExceeded => Interlocked.Read(ref _retryLimitExceeded);

    public long RetryOverflow => Interlocked.Read(ref _retryOverflow);

    public long RequestTimeouts => Interlocked.Read(ref _requestTimeouts);

    public long BackendTimeouts => Interlocked.Read(ref _backendTimeouts);

    public long IdleTimeouts => Interlocked.Read(ref _idleTimeouts);

    public long FaultAborts => Interlocked.Read(ref _faultAborts);

    public long FaultDelays => Interlocked.Read(ref _faultDelays);

    public long Mirrored => Interlocked.Read(ref _mirrored);

    public long MirrorsDropped => Interlocked.Read(ref _mirrorsDropped);

    public void Status(int status, string error) =>
        Interlocked.Increment(ref Statuses.GetOrAdd((status, error), static _ => new long[1])[0]);

    public void Retry() => Interlocked.Increment(ref _retries);

    public void RetryLimit() => Interlocked.Increment(ref _retryLimitExceeded);

    public void BudgetExhausted() => Interlocked.Increment(ref _retryOverflow);

    public void RequestTimeout() => Interlocked.Increment(ref _requestTimeouts);

    public void BackendTimeout() => Interlocked.Increment(ref _backendTimeouts);

    public void IdleTimeout() => Interlocked.Increment(ref _idleTimeouts);

    public void FaultAbort() => Interlocked.Increment(ref _faultAborts);

    public void FaultDelay() => Interlocked.Increment(ref _faultDelays);

    public void Mirror(bool sent) => Interlocked.Increment(ref sent ? ref _mirrored : ref _mirrorsDropped);
}
