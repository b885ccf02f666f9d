using System.Collections.Concurrent;

namespace Linnet.Proxy.Telemetry;

/// <summary>Counters of one backend of one route rule: attempts sent and their outcomes (a retried
/// request counts once per attempt here, once in its route's statuses).</summary>
internal sealed class RouteBackendSeries(string parent, string route, string backend)
{
    private long _requests;

    public string Parent { get; } = parent;

    public string Route { get; } = route;

    /// <summary>The series' labels, rendered once (Linkerd's parent_*, route_*, backend_*).</summary>
    public string Labels { get; init; } = "";

    public string Backend { get; } = backend;

    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>(HTTP status, error) → count of attempts.</summary>
    public ConcurrentDictionary<(int Status, string Error), long[]> Responses { get; } = new();

    public void Response(int status, string error)
    {
        Interlocked.Increment(ref _requests);
        Interlocked.Increment(ref Responses.GetOrAdd((status, error), static _ => new long[1])[0]);
    }
}
