using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Linnet.Proxy.Telemetry;

/// <summary>Per-route and per-backend metrics of the outbound side, named after linkerd2-proxy 2.14+'s
/// <c>outbound_http_route_*</c> families with a simpler label set (<c>parent_name</c> is the service key the
/// client addressed, <c>route_name</c> the route's <c>namespace/name</c>, <c>backend_name</c> the backend's
/// service key), and the circuit breakers' ejections. See docs/traffic-policy.md.</summary>
public sealed class RouteMetrics : IMetricsSource
{
    /// <summary>Error label values of <c>outbound_http_route_request_statuses_total</c>.</summary>
    public static class Errors
    {
        /// <summary>No error: the status is the backend's (or the injected fault's).</summary>
        public const string None = "";

        /// <summary>The route's request timeout (or the gRPC client's deadline) expired.</summary>
        public const string RequestTimeout = "REQUEST_TIMEOUT";

        /// <summary>The last attempt's backend-request timeout expired.</summary>
        public const string BackendTimeout = "BACKEND_REQUEST_TIMEOUT";

        /// <summary>An injected abort.</summary>
        public const string Fault = "FAULT";

        /// <summary>No endpoint could take the request (none, or all ejected).</summary>
        public const string Unavailable = "UNAVAILABLE";

        /// <summary>Forwarding failed (no connection, broken response…).</summary>
        public const string Unexpected = "UNEXPECTED";
    }

    private readonly ConcurrentDictionary<(string Parent, string Route), RouteSeries> _routes = new();
    private readonly ConcurrentDictionary<(string Parent, string Route, string Backend), RouteBackendSeries> _backends = new();
    private readonly ConcurrentDictionary<(string Backend, string Endpoint), long[]> _ejections = new();

    internal RouteSeries Route(string parent, string route) =>
        _routes.GetOrAdd((parent, route), static key => new RouteSeries(key.Parent, key.Route));

    internal RouteBackendSeries Backend(string parent, string route, string backend) =>
        _backends.GetOrAdd((parent, route, backend), static key => new RouteBackendSeries(key.Parent, key.Route, key.Backend));

    internal void Ejection(string backend, string endpoint) =>
        Interlocked.Increment(ref _ejections.GetOrAdd((backend, endpoint), static _ => new long[1])[0]);

    /// <inheritdoc />
    public void WriteTo(StringBuilder sb, string workloadLabels)
    {
        ArgumentNullException.ThrowIfNull(sb);
        var inv = CultureInfo.InvariantCulture;

        sb.Append("# HELP outbound_http_route_request_statuses_total Requests answered per route, by final status.\n# TYPE outbound_http_route_request_statuses_total counter\n");
        foreach (var route in _routes.Values)
        {
            foreach (var ((status, error), count) in route.Statuses)
            {
                sb.Append(inv, $"outbound_http_route_request_statuses_total{{{workloadLabels},{RouteLabels(route.Parent, route.Route)},http_status=\"{status}\",error=\"{error}\"}} {Volatile.Read(ref count[0])}\n");
            }
        }

        sb.Append("# HELP outbound_http_route_backend_requests_total Attempts sent to each backend of a route (retries included).\n# TYPE outbound_http_route_backend_requests_total counter\n");
        foreach (var backend in _backends.Values)
        {
            sb.Append(inv, $"outbound_http_route_backend_requests_total{{{workloadLabels},{BackendLabels(backend)}}} {backend.Requests}\n");
        }

        sb.Append("# HELP outbound_http_route_backend_response_statuses_total Attempts per backend of a route, by status.\n# TYPE outbound_http_route_backend_response_statuses_total counter\n");
        foreach (var backend in _backends.Values)
        {
            foreach (var ((status, error), count) in backend.Responses)
            {
                sb.Append(inv, $"outbound_http_route_backend_response_statuses_total{{{workloadLabels},{BackendLabels(backend)},http_status=\"{status}\",error=\"{error}\"}} {Volatile.Read(ref count[0])}\n");
            }
        }

        Counter(sb, workloadLabels, "outbound_http_route_retry_requests_total", "Retries sent.", static r => r.Retries);
        Counter(sb, workloadLabels, "outbound_http_route_retry_limit_exceeded_total", "Retriable responses not retried: the route's retry limit was reached.", static r => r.RetryLimitExceeded);
        Counter(sb, workloadLabels, "outbound_http_route_retry_overflow_total", "Retriable responses not retried: the target service's retry budget was spent.", static r => r.RetryOverflow);

        sb.Append("# HELP outbound_http_route_timeouts_total Timeouts that expired, by kind.\n# TYPE outbound_http_route_timeouts_total counter\n");
        foreach (var route in _routes.Values)
        {
            sb.Append(inv, $"outbound_http_route_timeouts_total{{{workloadLabels},{RouteLabels(route.Parent, route.Route)},timeout=\"request\"}} {route.RequestTimeouts}\n");
            sb.Append(inv, $"outbound_http_route_timeouts_total{{{workloadLabels},{RouteLabels(route.Parent, route.Route)},timeout=\"backend_request\"}} {route.BackendTimeouts}\n");
        }

        sb.Append("# HELP outbound_http_route_faults_total Faults injected, by kind.\n# TYPE outbound_http_route_faults_total counter\n");
        foreach (var route in _routes.Values)
        {
            sb.Append(inv, $"outbound_http_route_faults_total{{{workloadLabels},{RouteLabels(route.Parent, route.Route)},fault=\"abort\"}} {route.FaultAborts}\n");
            sb.Append(inv, $"outbound_http_route_faults_total{{{workloadLabels},{RouteLabels(route.Parent, route.Route)},fault=\"delay\"}} {route.FaultDelays}\n");
        }

        sb.Append("# HELP outbound_http_route_mirror_requests_total Requests copied to the route's mirror, or not copied because too many were in flight or the body could not be kept.\n# TYPE outbound_http_route_mirror_requests_total counter\n");
        foreach (var route in _routes.Values)
        {
            sb.Append(inv, $"outbound_http_route_mirror_requests_total{{{workloadLabels},{RouteLabels(route.Parent, route.Route)},result=\"sent\"}} {route.Mirrored}\n");
            sb.Append(inv, $"outbound_http_route_mirror_requests_total{{{workloadLabels},{RouteLabels(route.Parent, route.Route)},result=\"dropped\"}} {route.MirrorsDropped}\n");
        }

        sb.Append("# HELP outbound_http_balancer_endpoint_ejections_total Endpoints taken out of balancing by their circuit breaker.\n# TYPE outbound_http_balancer_endpoint_ejections_total counter\n");
        foreach (var ((backend, endpoint), count) in _ejections)
        {
            sb.Append(inv, $"outbound_http_balancer_endpoint_ejections_total{{{workloadLabels},backend_name=\"{ProxyMetrics.Escape(backend)}\",endpoint=\"{ProxyMetrics.Escape(endpoint)}\"}} {Volatile.Read(ref count[0])}\n");
        }
    }

    private void Counter(StringBuilder sb, string workloadLabels, string name, string help, Func<RouteSeries, long> value)
    {
        sb.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} counter\n");
        foreach (var route in _routes.Values)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{name}{{{workloadLabels},{RouteLabels(route.Parent, route.Route)}}} {value(route)}\n");
        }
    }

    private static string RouteLabels(string parent, string route) =>
        $"parent_name=\"{ProxyMetrics.Escape(parent)}\",route_name=\"{ProxyMetrics.Escape(route)}\"";

    private static string BackendLabels(RouteBackendSeries backend) =>
        $"{RouteLabels(backend.Parent, backend.Route)},backend_name=\"{ProxyMetrics.Escape(backend.Backend)}\"";
}
