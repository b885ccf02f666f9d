using System.Collections.Concurrent;

namespace Linnet.Proxy.Telemetry;

/// <summary>The <c>route_*</c> series of one (direction, dst, rt_route): its request count and, per response
/// classification, its responses with their latency. Found once per compiled rule (or service, for requests no
/// rule matched) and carried on the request, so that counting costs no lookup.</summary>
internal sealed class RouteTraffic(string labels)
{
    /// <summary>The rendered <c>direction</c>, <c>dst</c> and (when a rule matched) <c>rt_route</c> labels.</summary>
    public string Labels { get; } = labels;

    /// <summary>Requests counted under this route.</summary>
    public HttpRequestSeries Requests { get; } = new();

    /// <summary>(status, success, grpc-status) → responses.</summary>
    public ConcurrentDictionary<(int Status, bool Success, string GrpcStatus), HttpResponseSeries> Responses { get; } = new();

    /// <summary>The response series of one classification, created on first use.</summary>
    public HttpResponseSeries Response(int status, bool success, string grpcStatus) =>
        Responses.GetOrAdd((status, success, grpcStatus), static _ => new HttpResponseSeries());
}
