using System.Globalization;

namespace Linnet.ControlPlane.Core.Metrics;

/// <summary>Computes the mesh's figures from the proxies' Linkerd-named series, whichever
/// <see cref="ISeriesSource"/> holds them: success is <c>classification="success"</c> of
/// <c>response_total</c>, latency quantiles come from <c>response_latency_ms_bucket</c> as
/// <c>histogram_quantile</c> computes them, workloads are the scrape's <c>namespace</c>/<c>deployment</c>
/// target labels and destinations the proxies' <c>dst_*</c> labels.</summary>
public sealed class MeshMetrics(ISeriesSource source, Func<IReadOnlyList<ScrapeTarget>> targets, string trustDomain) : IMeshMetrics
{
    private const string Responses = "response_total";
    private const string Latency = "response_latency_ms_bucket";
    private const string OpenConnections = "tcp_open_connections";
    private const string RouteStatuses = "outbound_http_route_request_statuses_total";
    private const string Ns = TargetLabels.Namespace;
    private const string Deploy = TargetLabels.Deployment;

    private static readonly LabelMatcher Inbound = new("direction", "inbound");
    private static readonly LabelMatcher Outbound = new("direction", "outbound");

    /// <inheritdoc />
    public async Task<IReadOnlyList<StatRow>> StatAsync(StatQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return query.Resource switch
        {
            StatResource.Workloads when query.From is { } from => await OutboundByAsync([new(Ns, from.Namespace), new(Deploy, from.Name)], "dst_namespace", "dst_deployment", query, cancellationToken),
            StatResource.Workloads when query.To is { } to => await OutboundByAsync([new("dst_namespace", to.Namespace), new("dst_deployment", to.Name)], Ns, Deploy, query, cancellationToken),
            StatResource.Workloads => await WorkloadsAsync(query, cancellationToken),
            StatResource.Services => await OutboundByAsync([], "dst_namespace", "dst_service", query, cancellationToken),
            StatResource.Authorities => await AuthoritiesAsync(query, cancellationToken),
            _ => throw new ArgumentOutOfRangeException(nameof(query), query.Resource, "unknown resource"),
        };
    }

    /// <inheritdoc />
    public async Task<TrafficStats> InboundAsync(WorkloadRef workload, TimeSpan window, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workload);
        var rows = await StatsAsync([Inbound, new(Ns, workload.Namespace), new(Deploy, workload.Name)], [Ns, Deploy], window, cancellationToken);
        return rows.GetValueOrDefault(Key(workload.Namespace, workload.Name)) ?? TrafficStats.None(window);
    }

    /// <inheritdoc />
    public async Task<double?> InboundLatencyQuantileAsync(WorkloadRef workload, double quantile, TimeSpan window, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workload);
        var buckets = await source.IncreaseAsync(new SeriesSelector(Latency, [Inbound, new(Ns, workload.Namespace), new(Deploy, workload.Name)]), ["le"], window, cancellationToken);
        return HistogramQuantile.Compute(quantile, HistogramQuantile.Buckets(buckets, _ => "").GetValueOrDefault("") ?? []);
    }

    /// <inheritdoc />
    public async Task<Judge.SideCounts> InboundCountsAsync(WorkloadRef workload, TimeSpan window, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workload);
        LabelMatcher[] matchers = [Inbound, new(Ns, workload.Namespace), new(Deploy, workload.Name)];
        var responses = await source.IncreaseAsync(new SeriesSelector(Responses, matchers), ["classification"], window, cancellationToken);
        var latency = await source.IncreaseAsync(new SeriesSelector(Latency, matchers), ["le"], window, cancellationToken);
        var buckets = HistogramQuantile.Buckets(latency, _ => "").GetValueOrDefault("") ?? [];

        // Counts are whole; a counter reset inside the window (a restarted proxy) can make a difference negative:
        // it is clamped at 0, so evidence may be lost but is never invented.
        static long Count(double value) => Math.Max((long)Math.Round(value), 0);
        var requests = Count(responses.Sum(v => v.Value));
        var failures = Math.Min(Count(responses.Where(v => v.Label("classification") != "success").Sum(v => v.Value)), requests);
        var perBucket = new long[Api.Telemetry.LatencyBuckets.Count];
        long below = 0;
        for (var i = 0; i < perBucket.Length; i++)
        {
            var bound = i < Api.Telemetry.LatencyBuckets.Milliseconds.Count ? Api.Telemetry.LatencyBuckets.Milliseconds[i] : double.PositiveInfinity;
            var cumulative = Math.Max(Count(buckets.GetValueOrDefault(bound)), below);
            perBucket[i] = cumulative - below;
            below = cumulative;
        }

        return new Judge.SideCounts(requests, failures, perBucket);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<EdgeRow>> EdgesAsync(string? ns, TimeSpan window, CancellationToken cancellationToken)
    {
        var values = await source.IncreaseAsync(new SeriesSelector(Responses, [Outbound, new("dst_deployment", "", Equal: false)]),
            [Ns, Deploy, "dst_namespace", "dst_deployment", "tls", "server_id"], window, cancellationToken);
        var accounts = targets().GroupBy(t => Key(t.Namespace, t.Workload)).ToDictionary(g => g.Key, g => g.First().ServiceAccount, StringComparer.Ordinal);
        var edges = new Dictionary<string, EdgeRow>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            if (value.Value <= 0)
            {
                continue;
            }

            var src = new WorkloadRef(value.Label(Ns), value.Label(Deploy));
            var dst = new WorkloadRef(value.Label("dst_namespace"), value.Label("dst_deployment"));
            if (ns is not null && src.Namespace != ns && dst.Namespace != ns)
            {
                continue;
            }

            var secured = value.Label("tls") == "true";
            var key = Key(src.Namespace, src.Name) + "→" + Key(dst.Namespace, dst.Name);
            var clientId = secured && accounts.TryGetValue(Key(src.Namespace, src.Name), out var sa) ? $"spiffe://{trustDomain}/ns/{src.Namespace}/sa/{sa}" : "";
            edges[key] = edges.TryGetValue(key, out var existing)
                ? existing with { Secured = existing.Secured && secured, Requests = existing.Requests + value.Value, ServerId = existing.ServerId.Length > 0 ? existing.ServerId : value.Label("server_id") }
                : new EdgeRow(src, dst, secured, clientId, value.Label("server_id"), value.Value);
        }

        return edges.Values.OrderBy(e => e.Source.ToString(), StringComparer.Ordinal).ThenBy(e => e.Destination.ToString(), StringComparer.Ordinal).ToList();
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<RouteRow>> RoutesAsync(string? ns, string? workload, TimeSpan window, CancellationToken cancellationToken)
    {
        List<LabelMatcher> matchers = [];
        if (ns is not null)
        {
            matchers.Add(new(Ns, ns));
        }

        if (workload is not null)
        {
            matchers.Add(new(Deploy, workload));
        }

        var values = await source.IncreaseAsync(new SeriesSelector(RouteStatuses, matchers),
            [Ns, Deploy, "parent_namespace", "parent_name", "parent_port", "route_namespace", "route_name", "route_kind", "http_status", "error"], window, cancellationToken);
        var rows = new Dictionary<string, (WorkloadRef Client, string Parent, string Route, string Kind, double Requests, double Successes)>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            var client = new WorkloadRef(value.Label(Ns), value.Label(Deploy));
            var parent = $"{value.Label("parent_namespace")}/{value.Label("parent_name")}:{value.Label("parent_port")}";
            var route = $"{value.Label("route_namespace")}/{value.Label("route_name")}";
            var key = $"{client}|{parent}|{route}";
            var ok = value.Label("error").Length == 0 && int.TryParse(value.Label("http_status"), NumberStyles.None, CultureInfo.InvariantCulture, out var status) && status < 500;
            var row = rows.GetValueOrDefault(key, (client, parent, route, value.Label("route_kind"), 0, 0));
            rows[key] = row with { Requests = row.Requests + value.Value, Successes = row.Successes + (ok ? value.Value : 0) };
        }

        return rows.Values
            .Select(r => new RouteRow(r.Client, r.Parent, r.Route, r.Kind, new TrafficStats(r.Requests, r.Successes, window, null, null, null)))
            .OrderBy(r => r.Client.ToString(), StringComparer.Ordinal).ThenBy(r => r.Parent, StringComparer.Ordinal).ThenBy(r => r.Route, StringComparer.Ordinal)
            .ToList();
    }

    private async Task<IReadOnlyList<StatRow>> WorkloadsAsync(StatQuery query, CancellationToken cancellationToken)
    {
        var scope = Scope(query.Namespace, query.Name, Ns, Deploy);
        var stats = await StatsAsync([Inbound, .. scope], [Ns, Deploy], query.Window, cancellationToken);
        var connections = await source.LatestAsync(new SeriesSelector(OpenConnections, [Inbound, new("peer", "src"), .. scope]), [Ns, Deploy], cancellationToken);
        var open = connections.ToDictionary(c => Key(c.Label(Ns), c.Label(Deploy)), c => c.Value, StringComparer.Ordinal);
        var rows = new List<StatRow>();
        foreach (var workload in targets().Where(t => (query.Namespace is null || t.Namespace == query.Namespace) && (query.Name is null || t.Workload == query.Name)).GroupBy(t => (t.Namespace, t.Workload)))
        {
            var key = Key(workload.Key.Namespace, workload.Key.Workload);
            rows.Add(new StatRow(workload.Key.Namespace, workload.Key.Workload, workload.Count(t => t.Ready), workload.Count(),
                stats.GetValueOrDefault(key) ?? TrafficStats.None(query.Window), open.GetValueOrDefault(key)));
        }

        return rows;
    }

    private async Task<IReadOnlyList<StatRow>> AuthoritiesAsync(StatQuery query, CancellationToken cancellationToken)
    {
        var scope = Scope(query.Namespace, query.Name, Ns, "authority");
        var stats = await StatsAsync([Inbound, .. scope], [Ns, "authority"], query.Window, cancellationToken);
        return stats.Select(s => Row(s.Key, s.Value)).OrderBy(r => r.Namespace, StringComparer.Ordinal).ThenBy(r => r.Name, StringComparer.Ordinal).ToList();
    }

    // Traffic as the senders' proxies counted it, grouped by (nsLabel, nameLabel).
    private async Task<IReadOnlyList<StatRow>> OutboundByAsync(IReadOnlyList<LabelMatcher> senders, string nsLabel, string nameLabel, StatQuery query, CancellationToken cancellationToken)
    {
        var scope = Scope(query.Namespace, query.Name, nsLabel, nameLabel);
        var stats = await StatsAsync([Outbound, new(nameLabel, "", Equal: false), .. senders, .. scope], [nsLabel, nameLabel], query.Window, cancellationToken);
        return stats.Select(s => Row(s.Key, s.Value)).OrderBy(r => r.Namespace, StringComparer.Ordinal).ThenBy(r => r.Name, StringComparer.Ordinal).ToList();
    }

    private static StatRow Row(string key, TrafficStats stats)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return new StatRow(key[..slash], key[(slash + 1)..], 0, 0, stats, 0);
    }

    private static LabelMatcher[] Scope(string? ns, string? name, string nsLabel, string nameLabel) =>
        [.. ns is null ? [] : new[] { new LabelMatcher(nsLabel, ns) }, .. name is null ? [] : new[] { new LabelMatcher(nameLabel, name) }];

    // Requests, successes and p50/p95/p99 per (groupBy[0], groupBy[1]).
    private async Task<Dictionary<string, TrafficStats>> StatsAsync(IReadOnlyList<LabelMatcher> matchers, string[] groupBy, TimeSpan window, CancellationToken cancellationToken)
    {
        var responses = await source.IncreaseAsync(new SeriesSelector(Responses, matchers), [.. groupBy, "classification"], window, cancellationToken);
        var latency = await source.IncreaseAsync(new SeriesSelector(Latency, matchers), [.. groupBy, "le"], window, cancellationToken);
        var buckets = HistogramQuantile.Buckets(latency, v => Key(v.Label(groupBy[0]), v.Label(groupBy[1])));
        var result = new Dictionary<string, TrafficStats>(StringComparer.Ordinal);
        foreach (var group in responses.GroupBy(v => Key(v.Label(groupBy[0]), v.Label(groupBy[1]))))
        {
            var requests = group.Sum(v => v.Value);
            var successes = group.Where(v => v.Label("classification") == "success").Sum(v => v.Value);
            var b = buckets.GetValueOrDefault(group.Key) ?? [];
            result[group.Key] = new TrafficStats(requests, successes, window,
                HistogramQuantile.Compute(0.5, b), HistogramQuantile.Compute(0.95, b), HistogramQuantile.Compute(0.99, b));
        }

        return result;
    }

    private static string Key(string ns, string name) => $"{ns}/{name}";
}
