using System.Globalization;
using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Metrics;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Linnet.ControlPlane.Api;

/// <summary>The mesh's figures over HTTP (what <c>linnet stat</c>, <c>edges</c> and <c>routes</c> print) and
/// the Prometheus <c>http_sd_configs</c> endpoint listing every proxy with its target labels. Every query
/// parameter is checked; a bad one is a 400 naming it.</summary>
internal sealed class MetricsApi(IMeshMetrics metrics, IResourceStore store, MetricsOptions options)
{
    /// <summary>The longest window a question may ask of a real Prometheus.</summary>
    public static readonly TimeSpan MaxPrometheusWindow = TimeSpan.FromDays(1);

    /// <summary>The shortest window.</summary>
    public static readonly TimeSpan MinWindow = TimeSpan.FromSeconds(1);

    /// <summary>The default window (Linkerd's <c>-t</c> default).</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromMinutes(1);

    public static void Map(RouteGroupBuilder group, MetricsApi api)
    {
        group.MapGet("/metrics/targets", api.TargetsAsync);
        group.MapGet("/stat", api.StatAsync);
        group.MapGet("/edges", api.EdgesAsync);
        group.MapGet("/routes", api.RoutesAsync);
    }

    /// <summary>Prometheus HTTP service discovery: <c>[{"targets": ["addr"], "labels": {…}}]</c>, one group per proxy.</summary>
    public Task TargetsAsync(HttpContext context)
    {
        var groups = new JsonArray();
        foreach (var target in ScrapeTargets.From(store.Snapshot()))
        {
            var labels = new JsonObject();
            foreach (var (name, value) in target.Labels)
            {
                labels[name] = value;
            }

            groups.Add(new JsonObject { ["targets"] = new JsonArray(target.Address), ["labels"] = labels });
        }

        return ApiResponses.JsonAsync(context, StatusCodes.Status200OK, groups);
    }

    public async Task StatAsync(HttpContext context)
    {
        var q = context.Request.Query;
        if (!TryCommon(context, out var window, out var ns, out var error) || !TryResource(q["resource"].ToString(), out var resource, out error)
            || !TryName(q, "name", resource == StatResource.Authorities, out var name, out error)
            || !TryWorkload(q, "from", ns, out var from, out error) || !TryWorkload(q, "to", ns, out var to, out error))
        {
            await ApiResponses.ErrorAsync(context, StatusCodes.Status400BadRequest, error);
            return;
        }

        if ((from is not null || to is not null) && resource != StatResource.Workloads)
        {
            await ApiResponses.ErrorAsync(context, StatusCodes.Status400BadRequest, "from and to apply to workloads only");
            return;
        }

        if (from is not null && to is not null)
        {
            await ApiResponses.ErrorAsync(context, StatusCodes.Status400BadRequest, "give from or to, not both");
            return;
        }

        var rows = await metrics.StatAsync(new StatQuery(resource, ns, name, window) { From = from, To = to }, context.RequestAborted);
        var list = new JsonArray();
        foreach (var row in rows)
        {
            var item = Stats(row.Stats);
            item["namespace"] = row.Namespace;
            item["name"] = row.Name;
            item["meshedPods"] = row.MeshedPods;
            item["pods"] = row.Pods;
            item["tcpConnections"] = row.TcpConnections;
            list.Add(item);
        }

        await ApiResponses.JsonAsync(context, StatusCodes.Status200OK, new JsonObject { ["resource"] = resource.ToString().ToLowerInvariant(), ["window"] = Seconds(window), ["rows"] = list });
    }

    public async Task EdgesAsync(HttpContext context)
    {
        if (!TryCommon(context, out var window, out var ns, out var error))
        {
            await ApiResponses.ErrorAsync(context, StatusCodes.Status400BadRequest, error);
            return;
        }

        var list = new JsonArray();
        foreach (var edge in await metrics.EdgesAsync(ns, window, context.RequestAborted))
        {
            list.Add(new JsonObject
            {
                ["srcNamespace"] = edge.Source.Namespace,
                ["src"] = edge.Source.Name,
                ["dstNamespace"] = edge.Destination.Namespace,
                ["dst"] = edge.Destination.Name,
                ["secured"] = edge.Secured,
                ["clientId"] = edge.ClientId,
                ["serverId"] = edge.ServerId,
                ["requests"] = edge.Requests,
            });
        }

        await ApiResponses.JsonAsync(context, StatusCodes.Status200OK, new JsonObject { ["window"] = Seconds(window), ["edges"] = list });
    }

    public async Task RoutesAsync(HttpContext context)
    {
        if (!TryCommon(context, out var window, out var ns, out var error) || !TryName(context.Request.Query, "workload", false, out var workload, out error))
        {
            await ApiResponses.ErrorAsync(context, StatusCodes.Status400BadRequest, error);
            return;
        }

        var list = new JsonArray();
        foreach (var route in await metrics.RoutesAsync(ns, workload, window, context.RequestAborted))
        {
            var item = Stats(route.Stats);
            item["namespace"] = route.Client.Namespace;
            item["workload"] = route.Client.Name;
            item["parent"] = route.Parent;
            item["route"] = route.Route;
            item["kind"] = route.Kind;
            list.Add(item);
        }

        await ApiResponses.JsonAsync(context, StatusCodes.Status200OK, new JsonObject { ["window"] = Seconds(window), ["routes"] = list });
    }

    private static JsonObject Stats(TrafficStats stats) => new()
    {
        ["requests"] = stats.Requests,
        ["successes"] = stats.Successes,
        ["successRate"] = stats.SuccessRate,
        ["rps"] = stats.Rps,
        ["latencyP50Ms"] = stats.LatencyP50Ms,
        ["latencyP95Ms"] = stats.LatencyP95Ms,
        ["latencyP99Ms"] = stats.LatencyP99Ms,
    };

    private static double Seconds(TimeSpan window) => window.TotalSeconds;

    private bool TryCommon(HttpContext context, out TimeSpan window, out string? ns, out string error)
    {
        var q = context.Request.Query;
        ns = null;
        window = DefaultWindow;
        error = "";
        if (q.ContainsKey("window"))
        {
            var text = q["window"].ToString();
            var max = options.PrometheusUrl is null ? options.Retention : MaxPrometheusWindow;
            if (!GoDuration.TryParse(text, out window) || window < MinWindow || window > max)
            {
                error = string.Create(CultureInfo.InvariantCulture, $"window: '{Shorten(text)}' is not a duration between {MinWindow.TotalSeconds}s and {max.TotalSeconds}s (for example 30s, 1m, 10m)");
                return false;
            }
        }

        return TryName(q, "namespace", false, out ns, out error);
    }

    private static bool TryName(IQueryCollection q, string field, bool authority, out string? value, out string error)
    {
        value = null;
        error = "";
        if (!q.ContainsKey(field))
        {
            return true;
        }

        var text = q[field].ToString();
        if (authority ? !IsAuthority(text) : !ManifestParser.IsDnsLabel(text))
        {
            error = $"{field}: '{Shorten(text)}' is not {(authority ? "an authority (host:port)" : "a DNS label (lower-case letters, digits, '-')")}";
            return false;
        }

        value = text;
        return true;
    }

    // "ns/name" or "name" (in the query's namespace, else "default").
    private static bool TryWorkload(IQueryCollection q, string field, string? ns, out WorkloadRef? workload, out string error)
    {
        workload = null;
        error = "";
        if (!q.ContainsKey(field))
        {
            return true;
        }

        var text = q[field].ToString();
        var parts = text.Split('/');
        if (parts.Length is < 1 or > 2 || !parts.All(ManifestParser.IsDnsLabel))
        {
            error = $"{field}: '{Shorten(text)}' is not a workload (name or namespace/name)";
            return false;
        }

        workload = parts.Length == 2 ? new WorkloadRef(parts[0], parts[1]) : new WorkloadRef(ns ?? "default", parts[0]);
        return true;
    }

    private static bool TryResource(string text, out StatResource resource, out string error)
    {
        error = "";
        switch (text)
        {
            case "" or "workloads" or "workload" or "wl" or "deployments" or "deployment" or "deploy":
                resource = StatResource.Workloads;
                return true;
            case "services" or "service" or "svc":
                resource = StatResource.Services;
                return true;
            case "namespaces" or "namespace" or "ns":
                resource = StatResource.Namespaces;
                return true;
            case "authorities" or "authority" or "au":
                resource = StatResource.Authorities;
                return true;
            default:
                resource = default;
                error = $"resource: '{Shorten(text)}' is not one of workloads, namespaces, services, authorities";
                return false;
        }
    }

    private static bool IsAuthority(string text)
    {
        var colon = text.LastIndexOf(':');
        return text.Length <= 261 && colon > 0 && int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535
            && text[..colon].All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-');
    }

    // Echo at most a little of what was sent, and nothing that is not printable.
    private static string Shorten(string text) => new(text.Take(64).Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
