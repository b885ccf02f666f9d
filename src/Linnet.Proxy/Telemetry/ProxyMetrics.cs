using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Linnet.Proxy.Configuration;

namespace Linnet.Proxy.Telemetry;

/// <summary>The proxy's metrics, named and labelled like linkerd2-proxy's so that Linkerd's Prometheus
/// queries, Flagger's checks and existing Grafana dashboards work unchanged.</summary>
internal sealed class ProxyMetrics
{
    /// <summary>Distinct authorities tracked before further ones are folded into one series, so that a
    /// client inventing Host headers cannot grow memory without bound.</summary>
    public const int MaxAuthorities = 1000;

    /// <summary>The authority label value used once <see cref="MaxAuthorities"/> is reached.</summary>
    public const string OverflowAuthority = "_other";

    private readonly ConcurrentDictionary<(Direction, string Authority, string Tls), HttpRequestSeries> _requests = new();
    private readonly ConcurrentDictionary<(Direction, string Authority, string Tls, int Status, bool Success, string GrpcStatus), HttpResponseSeries> _responses = new();
    private readonly ConcurrentDictionary<(Direction, string Peer, string Tls), TcpSeries> _tcp = new();
    private readonly ConcurrentDictionary<(Direction, string Reason), long[]> _errors = new();
    private readonly ConcurrentDictionary<string, byte> _authorities = new(StringComparer.OrdinalIgnoreCase);
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly double _startTimeSeconds;
    private IMetricsSource[] _sources;

    /// <summary>Creates the registry. The workload's own labels (namespace, deployment, pod) are not exported:
    /// as with linkerd2-proxy, the scrape adds them as target labels, so a Prometheus configured as for Linkerd
    /// gets them once (no <c>exported_*</c> copies). See docs/observability.md.</summary>
    public ProxyMetrics(WorkloadInfo workload, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(workload);
        Workload = workload;
        _time = time;
        _startTimeSeconds = time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        Routes = new RouteMetrics();
        ServiceRoutes = new ServiceRouteMetrics();
        _sources = [Routes, ServiceRoutes];
    }

    /// <summary>Who this proxy runs beside.</summary>
    public WorkloadInfo Workload { get; }

    /// <summary>Per-route and per-backend series, retries, timeouts, faults and ejections.</summary>
    public RouteMetrics Routes { get; }

    /// <summary>Linkerd's <c>route_*</c> families (per route, inbound and outbound), for its route dashboard.</summary>
    public ServiceRouteMetrics ServiceRoutes { get; }

    /// <summary>Adds a family of series rendered after the core ones (before the process metrics).</summary>
    public void AddSource(IMetricsSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        lock (_lock)
        {
            _sources = [.. _sources, source];
        }
    }

    internal HttpRequestSeries Request(Direction direction, string authority, string tls) =>
        _requests.GetOrAdd((direction, Bound(authority), tls), static _ => new HttpRequestSeries());

    internal HttpResponseSeries Response(Direction direction, string authority, string tls, int status, bool success, string grpcStatus) =>
        _responses.GetOrAdd((direction, Bound(authority), tls, status, success, grpcStatus), static _ => new HttpResponseSeries());

    internal TcpSeries Tcp(Direction direction, string peer, string tls) =>
        _tcp.GetOrAdd((direction, peer, tls), static _ => new TcpSeries());

    /// <summary>Counts a request the proxy answered itself (no service, no endpoint, refused...).</summary>
    internal void ProxyError(Direction direction, string reason) =>
        Interlocked.Increment(ref _errors.GetOrAdd((direction, reason), static _ => new long[1])[0]);

    private string Bound(string authority)
    {
        if (_authorities.ContainsKey(authority))
        {
            return authority;
        }

        if (_authorities.Count >= MaxAuthorities)
        {
            return OverflowAuthority;
        }

        _authorities.TryAdd(authority, 0);
        return authority;
    }

    /// <summary>Renders every series in the Prometheus text exposition format (version 0.0.4).</summary>
    public void WriteTo(StringBuilder sb)
    {
        ArgumentNullException.ThrowIfNull(sb);
        var inv = CultureInfo.InvariantCulture;

        sb.Append("# HELP request_total Total count of HTTP requests.\n# TYPE request_total counter\n");
        foreach (var ((direction, authority, tls), series) in _requests)
        {
            sb.Append(inv, $"request_total{{{Common(direction)},authority=\"{Escape(authority)}\",{tls}}} {series.Requests}\n");
        }

        sb.Append("# HELP response_total Total count of HTTP responses.\n# TYPE response_total counter\n");
        foreach (var ((direction, authority, tls, status, success, grpc), series) in _responses)
        {
            sb.Append(inv, $"response_total{{{ResponseLabels(direction, authority, tls, status, success, grpc)}}} {series.Responses}\n");
        }

        sb.Append("# HELP response_latency_ms Elapsed times between a request's headers being received and its response headers being sent.\n# TYPE response_latency_ms histogram\n");
        foreach (var ((direction, authority, tls, status, success, grpc), series) in _responses)
        {
            WriteHistogram(sb, "response_latency_ms", ResponseLabels(direction, authority, tls, status, success, grpc), series.Latency);
        }

        sb.Append("# HELP proxy_error_total Requests the proxy answered itself, by reason.\n# TYPE proxy_error_total counter\n");
        foreach (var ((direction, reason), count) in _errors)
        {
            sb.Append(inv, $"proxy_error_total{{{Common(direction)},reason=\"{Escape(reason)}\"}} {Volatile.Read(ref count[0])}\n");
        }

        sb.Append("# HELP tcp_open_total Total count of opened connections.\n# TYPE tcp_open_total counter\n");
        foreach (var (key, series) in _tcp)
        {
            sb.Append(inv, $"tcp_open_total{{{TcpLabels(key)}}} {series.Opened}\n");
        }

        sb.Append("# HELP tcp_close_total Total count of closed connections.\n# TYPE tcp_close_total counter\n");
        foreach (var (key, series) in _tcp)
        {
            sb.Append(inv, $"tcp_close_total{{{TcpLabels(key)}}} {series.Closed}\n");
        }

        sb.Append("# HELP tcp_open_connections Number of currently-open connections.\n# TYPE tcp_open_connections gauge\n");
        foreach (var (key, series) in _tcp)
        {
            sb.Append(inv, $"tcp_open_connections{{{TcpLabels(key)}}} {series.Open}\n");
        }

        sb.Append("# HELP tcp_read_bytes_total Total count of bytes read from peers.\n# TYPE tcp_read_bytes_total counter\n");
        foreach (var (key, series) in _tcp)
        {
            sb.Append(inv, $"tcp_read_bytes_total{{{TcpLabels(key)}}} {series.ReadBytes}\n");
        }

        sb.Append("# HELP tcp_write_bytes_total Total count of bytes written to peers.\n# TYPE tcp_write_bytes_total counter\n");
        foreach (var (key, series) in _tcp)
        {
            sb.Append(inv, $"tcp_write_bytes_total{{{TcpLabels(key)}}} {series.WriteBytes}\n");
        }

        sb.Append("# HELP tcp_connection_duration_ms Connection lifetimes.\n# TYPE tcp_connection_duration_ms histogram\n");
        foreach (var (key, series) in _tcp)
        {
            WriteHistogram(sb, "tcp_connection_duration_ms", TcpLabels(key), series.Duration);
        }

        foreach (var source in Volatile.Read(ref _sources))
        {
            source.WriteTo(sb);
        }

        WriteProcess(sb);
    }

    private void WriteProcess(StringBuilder sb)
    {
        var inv = CultureInfo.InvariantCulture;
        using var process = Process.GetCurrentProcess();
        sb.Append("# HELP process_start_time_seconds Time that the process started (in seconds since the UNIX epoch).\n# TYPE process_start_time_seconds gauge\n");
        sb.Append(inv, $"process_start_time_seconds {_startTimeSeconds:F3}\n");
        sb.Append("# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n# TYPE process_cpu_seconds_total counter\n");
        sb.Append(inv, $"process_cpu_seconds_total {process.TotalProcessorTime.TotalSeconds:F3}\n");
        sb.Append("# HELP process_resident_memory_bytes Resident memory size in bytes.\n# TYPE process_resident_memory_bytes gauge\n");
        sb.Append(inv, $"process_resident_memory_bytes {process.WorkingSet64}\n");
        sb.Append("# HELP process_uptime_seconds Seconds since the proxy started.\n# TYPE process_uptime_seconds gauge\n");
        sb.Append(inv, $"process_uptime_seconds {(_time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0) - _startTimeSeconds:F3}\n");
    }

    private static string Common(Direction direction) =>
        direction == Direction.Inbound ? "direction=\"inbound\"" : "direction=\"outbound\"";

    private static string ResponseLabels(Direction direction, string authority, string tls, int status, bool success, string grpc) =>
        string.Create(CultureInfo.InvariantCulture, $"{Common(direction)},authority=\"{Escape(authority)}\",{tls},status_code=\"{status}\",classification=\"{(success ? "success" : "failure")}\"{(grpc.Length > 0 ? $",grpc_status=\"{grpc}\"" : "")}");

    private static string TcpLabels((Direction Direction, string Peer, string Tls) key) =>
        $"{Common(key.Direction)},peer=\"{key.Peer}\",{key.Tls}";

    internal static void WriteHistogram(StringBuilder sb, string name, string labels, Histogram histogram)
    {
        var inv = CultureInfo.InvariantCulture;
        var (counts, sum) = histogram.Snapshot();
        long cumulative = 0;
        for (var i = 0; i < histogram.Bounds.Count; i++)
        {
            cumulative += counts[i];
            sb.Append(inv, $"{name}_bucket{{{labels},le=\"{histogram.Bounds[i]}\"}} {cumulative}\n");
        }

        cumulative += counts[^1];
        sb.Append(inv, $"{name}_bucket{{{labels},le=\"+Inf\"}} {cumulative}\n");
        sb.Append(inv, $"{name}_sum{{{labels}}} {sum}\n");
        sb.Append(inv, $"{name}_count{{{labels}}} {cumulative}\n");
    }

    internal static string Escape(string value) => DstLabels.Escape(value);
}
