using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Linnet.Proxy.Telemetry;

/// <summary>Linkerd's ServiceProfile-era route families — <c>route_request_total</c>, <c>route_response_total</c>
/// and <c>route_response_latency_ms</c> — labelled as linkerd2-proxy labels them (<c>direction</c>, <c>dst</c>, the
/// service's canonical authority, and <c>rt_route</c>, the route's name; then <c>status_code</c>,
/// <c>classification</c> and <c>grpc_status</c> on responses), so that Linkerd's route dashboard works. Linnet's
/// routes are Gateway API HTTPRoutes/GRPCRoutes: a request of a service with routes is counted under the route
/// whose rule matched it, outbound by the client's proxy and inbound by the server's; one no rule matched under
/// the service alone (no <c>rt_route</c>, Linkerd's default route). Services without routes have no route series,
/// as services without a ServiceProfile had none. Every label value comes from the control plane (service and
/// route names), never from a request, so the series are bounded by the config.</summary>
public sealed class ServiceRouteMetrics : IMetricsSource
{
    private readonly ConcurrentDictionary<(Direction Direction, string Dst, string? Route), RouteTraffic> _traffic = new();

    /// <summary>The series of <paramref name="route"/> (its name; null: no rule matched) of the service whose
    /// canonical authority is <paramref name="dst"/>.</summary>
    internal RouteTraffic For(Direction direction, string dst, string? route) =>
        _traffic.GetOrAdd((direction, dst, route), static key => new RouteTraffic(Labels(key.Direction, key.Dst, key.Route)));

    /// <inheritdoc />
    public void WriteTo(StringBuilder sb)
    {
        ArgumentNullException.ThrowIfNull(sb);
        var inv = CultureInfo.InvariantCulture;
        sb.Append("# HELP route_request_total Total count of HTTP requests, per route.\n# TYPE route_request_total counter\n");
        foreach (var traffic in _traffic.Values)
        {
            sb.Append(inv, $"route_request_total{{{traffic.Labels}}} {traffic.Requests.Requests}\n");
        }

        sb.Append("# HELP route_response_total Total count of HTTP responses, per route.\n# TYPE route_response_total counter\n");
        foreach (var traffic in _traffic.Values)
        {
            foreach (var ((status, success, grpc), series) in traffic.Responses)
            {
                sb.Append(inv, $"route_response_total{{{ResponseLabels(traffic, status, success, grpc)}}} {series.Responses}\n");
            }
        }

        sb.Append("# HELP route_response_latency_ms Elapsed times between a request's headers being received and its response headers being sent, per route.\n# TYPE route_response_latency_ms histogram\n");
        foreach (var traffic in _traffic.Values)
        {
            foreach (var ((status, success, grpc), series) in traffic.Responses)
            {
                ProxyMetrics.WriteHistogram(sb, "route_response_latency_ms", ResponseLabels(traffic, status, success, grpc), series.Latency);
            }
        }
    }

    private static string Labels(Direction direction, string dst, string? route)
    {
        var labels = $"direction=\"{(direction == Direction.Inbound ? "inbound" : "outbound")}\",dst=\"{ProxyMetrics.Escape(dst)}\"";
        return route is null ? labels : $"{labels},rt_route=\"{ProxyMetrics.Escape(route)}\"";
    }

    private static string ResponseLabels(RouteTraffic traffic, int status, bool success, string grpc) =>
        string.Create(CultureInfo.InvariantCulture, $"{traffic.Labels},status_code=\"{status}\",classification=\"{(success ? "success" : "failure")}\"{(grpc.Length > 0 ? $",grpc_status=\"{ProxyMetrics.Escape(grpc)}\"" : "")}");
}
