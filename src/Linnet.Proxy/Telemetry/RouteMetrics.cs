using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Linnet.Proxy.Telemetry;

/// <summary>Per-route and per-backend metrics of the outbound side, named and labelled as linkerd2-proxy
/// 2.16+'s <c>outbound_http_route_*</c> families: the parent (<c>parent_group="core"</c>,
/// <c>parent_kind="Service"</c>, <c>parent_namespace</c>, <c>parent_name</c>, <c>parent_port</c>,
/// <c>parent_section_name</c>), the route (<c>route_group</c>, <c>route_kind</c>, <c>route_namespace</c>,
/// <c>route_name</c>) and the backend (<c>backend_*</c>, as the parent's); and the circuit breakers'
/// ejections. See docs/traffic-policy.md.</summary>
internal sealed class RouteMetrics : IMetricsSource
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

        /// <summary>The route's idle timeout expired: nothing moved either way for that long.</summary>
        public const string IdleTimeout = "IDLE_TIMEOUT";

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

    internal RouteSeries Route(string parent, string route, string kind = Configuration.RouteConfig.HttpKind) =>
        _routes.GetOrAdd((parent, route), static (key, kind) => new RouteSeries(key.Parent, key.Route) { Labels = RouteLabels(key.Parent, key.Route, kind) }, kind);

    internal RouteBackendSeries Backend(string parent, string route, string backend, string kind = Configuration.RouteConfig.HttpKind) =>
        _backends.GetOrAdd((parent, route, backend), static (key, kind) => new RouteBackendSeries(key.Parent, key.Route, key.Backend)
        {
            Labels = $"{RouteLabels(key.Parent, key.Route, kind)},{ServiceRef("backend", key.Backend)}",
        }, kind);

    internal void Ejection(string backend, string endpoint) =>
        Interlocked.Increment(ref _ejections.GetOrAdd((backend, endpoint), static _ => new long[1])[0]);

    /// <inheritdoc />
    public void WriteTo(StringBuilder sb)
    {
        ArgumentNullException.ThrowIfNull(sb);
        var inv = CultureInfo.InvariantCulture;

        sb.Append("# HELP outbound_http_route_request_statuses_total Requests answered per route, by final status.\n# TYPE outbound_http_route_request_statuses_total counter\n");
        foreach (var route in _routes.Values)
        {
            foreach (var ((status, error), count) in route.Statuses)
            {
                sb.Append(inv, $"outbound_http_route_request_statuses_total{{{route.Labels},http_status=\"{status}\",error=\"{error}\"}} {Volatile.Read(ref count[0])}\n");
            }
        }

        sb.Append("# HELP outbound_http_route_backend_requests_total Attempts sent to each backend of a route (retries included).\n# TYPE outbound_http_route_backend_requests_total counter\n");
        foreach (var backend in _backends.Values)
        {
            sb.Append(inv, $"outbound_http_route_backend_requests_total{{{backend.Labels}}} {backend.Requests}\n");
        }

        sb.Append("# HELP outbound_http_route_backend_response_statuses_total Attempts per backend of a route, by status.\n# TYPE outbound_http_route_backend_response_statuses_total counter\n");
        foreach (var backend in _backends.Values)
        {
            foreach (var ((status, error), count) in backend.Responses)
            {
                sb.Append(inv, $"outbound_http_route_backend_response_statuses_total{{{backend.Labels},http_status=\"{status}\",error=\"{error}\"}} {Volatile.Read(ref count[0])}\n");
            }
        }

        Counter(sb, "outbound_http_route_retry_requests_total", "Retries sent.", static r => r.Retries);
        Counter(sb, "outbound_http_route_retry_limit_exceeded_total", "Retriable responses not retried: the route's retry limit was reached.", static r => r.RetryLimitExceeded);
        Counter(sb, "outbound_http_route_retry_overflow_total", "Retriable responses not retried: the target service's retry budget was spent.", static r => r.RetryOverflow);

        sb.Append("# HELP outbound_http_route_timeouts_total Timeouts that expired, by kind.\n# TYPE outbound_http_route_timeouts_total counter\n");
        foreach (var route in _routes.Values)
        {
            sb.Append(inv, $"outbound_http_route_timeouts_total{{{route.Labels},timeout=\"request\"}} {route.RequestTimeouts}\n");
            sb.Append(inv, $"outbound_http_route_timeouts_total{{{route.Labels},timeout=\"backend_request\"}} {route.BackendTimeouts}\n");
            sb.Append(inv, $"outbound_http_route_timeouts_total{{{route.Labels},timeout=\"idle\"}} {route.IdleTimeouts}\n");
        }

        sb.Append("# HELP outbound_http_route_faults_total Faults injected, by kind.\n# TYPE outbound_http_route_faults_total counter\n");
        foreach (var route in _routes.Values)
        {
            sb.Append(inv, $"outbound_http_route_faults_total{{{route.Labels},fault=\"abort\"}} {route.FaultAborts}\n");
            sb.Append(inv, $"outbound_http_route_faults_total{{{route.Labels},fault=\"delay\"}} {route.FaultDelays}\n");
        }

        sb.Append("# HELP outbound_http_route_mirror_requests_total Requests copied to the route's mirror, or not copied because too many were in flight or the body could not be kept.\n# TYPE outbound_http_route_mirror_requests_total counter\n");
        foreach (var route in _routes.Values)
        {
            sb.Append(inv, $"outbound_http_route_mirror_requests_total{{{route.Labels},result=\"sent\"}} {route.Mirrored}\n");
            sb.Append(inv, $"outbound_http_route_mirror_requests_total{{{route.Labels},result=\"dropped\"}} {route.MirrorsDropped}\n");
        }

        sb.Append("# HELP outbound_http_balancer_endpoint_ejections_total Endpoints taken out of balancing by their circuit breaker.\n# TYPE outbound_http_balancer_endpoint_ejections_total counter\n");
        foreach (var ((backend, endpoint), count) in _ejections)
        {
            sb.Append(inv, $"outbound_http_balancer_endpoint_ejections_total{{{ServiceRef("backend", backend)},endpoint=\"{ProxyMetrics.Escape(endpoint)}\"}} {Volatile.Read(ref count[0])}\n");
        }
    }

    private void Counter(StringBuilder sb, string name, string help, Func<RouteSeries, long> value)
    {
        sb.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} counter\n");
        foreach (var route in _routes.Values)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{name}{{{route.Labels}}} {value(route)}\n");
        }
    }

    // Service keys are "name.namespace:port" (from the control plane) or "name:port" (a static config).
    internal static string ServiceRef(string prefix, string key)
    {
        var colon = key.LastIndexOf(':');
        var host = colon > 0 ? key[..colon] : key;
        var port = colon > 0 ? key[(colon + 1)..] : "";
        var dot = host.IndexOf('.', StringComparison.Ordinal);
        var name = dot > 0 ? host[..dot] : host;
        var ns = dot > 0 ? host[(dot + 1)..] : "";
        return $"{prefix}_group=\"core\",{prefix}_kind=\"Service\",{prefix}_namespace=\"{ProxyMetrics.Escape(ns)}\",{prefix}_name=\"{ProxyMetrics.Escape(name)}\",{prefix}_port=\"{ProxyMetrics.Escape(port)}\",{prefix}_section_name=\"\"";
    }

    // Route names are "namespace/name" (from the control plane) or a bare name (a static config).
    internal static string RouteLabels(string parent, string route, string kind)
    {
        var slash = route.IndexOf('/', StringComparison.Ordinal);
        var ns = slash > 0 ? route[..slash] : "";
        var name = slash > 0 ? route[(slash + 1)..] : route;
        return $"{ServiceRef("parent", parent)},route_group=\"gateway.networking.k8s.io\",route_kind=\"{ProxyMetrics.Escape(kind)}\",route_namespace=\"{ProxyMetrics.Escape(ns)}\",route_name=\"{ProxyMetrics.Escape(name)}\"";
    }
}
