using System.Globalization;
using System.Text.Json.Nodes;
using Linnet.EndToEnd.Tests.Infrastructure;
using Linnet.Testing;

namespace Linnet.EndToEnd.Tests;

/// <summary>Linkerd's route dashboard (<c>grafana/dashboards/route.json</c> of linkerd2), unchanged, over known traffic
/// through real mTLS proxies to one Service with two HTTPRoutes, scraped by Debian's Prometheus through the control
/// plane's service discovery: its queries, copied verbatim with their template variables filled, give per
/// <c>rt_route</c> exactly the requests the test sent and the success rates the app's answers give, inbound (the
/// server's proxy classifies by the Service's routes) and outbound (the client's proxy's route choice); a request no
/// rule matched counts under Linkerd's default route (no <c>rt_route</c>); <c>linnet routes</c> agrees.</summary>
public sealed class RouteDashboardTests(ITestOutputHelper output)
{
    private const string Routes = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: api }
        spec:
          parentRefs: [ { name: backend } ]
          rules:
            - matches: [ { path: { type: PathPrefix, value: /api } } ]
              backendRefs: [ { name: backend } ]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: web }
        spec:
          parentRefs: [ { name: backend } ]
          rules:
            - matches: [ { path: { type: PathPrefix, value: /web } } ]
              backendRefs: [ { name: backend } ]

        """;

    // route.json's template variables: the namespace's routes, as its "Route" variable lists them.
    private const string RouteVariable = "label_values(route_request_total{namespace=\"$namespace\"}, rt_route)";

    // route.json's queries, verbatim (top-line and "inbound traffic by deployment/pod" panels).
    private const string TopSuccessRate = "sum(irate(route_response_total{classification=\"success\", namespace=\"$namespace\", direction=\"inbound\", rt_route=\"$rt_route\"}[$__rate_interval])) / sum(irate(route_response_total{namespace=\"$namespace\", direction=\"inbound\", rt_route=\"$rt_route\"}[$__rate_interval]))";
    private const string TopRequestRate = "sum(irate(route_request_total{namespace=\"$namespace\", direction=\"inbound\", rt_route=\"$rt_route\"}[$__rate_interval]))";
    private const string TopP95 = "histogram_quantile(0.95, sum(irate(route_response_latency_ms_bucket{namespace=\"$namespace\", direction=\"inbound\", rt_route=\"$rt_route\"}[$__rate_interval])) by (le, rt_route))";
    private const string TopRequestRateTls = "sum(irate(route_request_total{namespace=\"$namespace\", direction=\"inbound\", rt_route=\"$rt_route\", tls=\"true\"}[$__rate_interval])) by (rt_route)";
    private const string TopRequestRatePlain = "sum(irate(route_request_total{namespace=\"$namespace\", direction=\"inbound\", rt_route=\"$rt_route\", tls!=\"true\"}[$__rate_interval])) by (rt_route)";
    private const string DeploySuccessRate = "sum(irate(route_response_total{classification=\"success\", namespace=\"$namespace\", direction=\"outbound\", rt_route=\"$rt_route\"}[$__rate_interval])) by (deployment, rt_route) / sum(irate(route_response_total{namespace=\"$namespace\", direction=\"outbound\", rt_route=\"$rt_route\"}[$__rate_interval])) by (deployment, rt_route)";
    private const string DeployRequestRatePlain = "sum(irate(route_request_total{namespace=\"$namespace\", direction=\"outbound\", tls!=\"true\", rt_route=\"$rt_route\"}[$__rate_interval])) by (deployment, rt_route)";
    private const string DeployP95 = "histogram_quantile(0.95, sum(rate(route_response_latency_ms_bucket{namespace=\"$namespace\", direction=\"outbound\", rt_route=\"$rt_route\"}[$__rate_interval])) by (le, deployment, rt_route))";
    private const string PodSuccessRate = "sum(irate(route_response_total{classification=\"success\", namespace=\"$namespace\", direction=\"outbound\", rt_route=\"$rt_route\"}[$__rate_interval])) by (pod, rt_route) / sum(irate(route_response_total{namespace=\"$namespace\", direction=\"outbound\", rt_route=\"$rt_route\"}[$__rate_interval])) by (pod, rt_route)";
    private const string PodRequestRatePlain = "sum(irate(route_request_total{namespace=\"$namespace\", direction=\"outbound\", tls!=\"true\", rt_route=\"$rt_route\"}[$__rate_interval])) by (pod, rt_route)";

    // Per round: requests per route, and how many of web's the app fails (500).
    private const int ApiRequests = 6;
    private const int WebRequests = 6;
    private const int WebFailures = 2;
    private const int Unrouted = 1;

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task LinkerdRouteDashboard_TwoHttpRoutes_QueriesCountEachRouteInboundAndOutbound()
    {
        Assert.SkipUnless(File.Exists("/usr/bin/prometheus"), "Debian's prometheus is not installed (test.sh installs it)");
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ["--metrics-scrape-interval", "1s"], ct);
        await MeshClient.ApplyFileAsync(mesh, Manifests.Join(
            TrafficApp.Service("backend", "{ app: backend }"),
            TrafficApp.Workload("client", 1, "{ app: client }", "0", "client"),
            TrafficApp.Workload("backend", 1, "{ app: backend }", "1", "backend"),
            Routes), ct);
        var instances = await mesh.WaitForInstancesAsync(2, ct);
        var backend = instances.Single(i => i.Workload == "backend").Address;
        using var client = new MeshClient(instances.Single(i => i.Workload == "client").Address);
        await mesh.WaitForConfigAsync(instances.Select(i => i.Address), await mesh.RevisionAsync(ct), Wait, ct);

        // A scrape every 5 s: a round of traffic (a few dozen quick requests) mostly falls between two scrapes.
        await using var prometheus = await PrometheusProcess.StartAsync(new Uri(mesh.Api, "api/v1/metrics/targets"), Path.Combine(mesh.DataDirectory, AdminTokenHandler.FileName), ct, "5s");
        using var http = new HttpClient();

        // Rounds of known traffic until one falls between two consecutive scrapes of both proxies: the dashboard's
        // irate then spans exactly that round (it divides the increase between the last two samples by their distance).
        var inbound = new Side("backend", "inbound");
        var outbound = new Side("client", "outbound");
        var (sentIn, sentOut, rounds) = (0, 0, 0);
        for (var round = 1; ; round++)
        {
            Assert.True(round <= 6, "no round of traffic fell between two scrapes of both proxies");
            var (beforeIn, beforeOut) = (sentIn, sentOut);
            await SendRoundAsync(client, backend, ct);
            sentIn += ApiRequests + WebRequests;
            sentOut += ApiRequests + WebRequests + Unrouted;
            if (round == 1)
            {
                // The series begin with this round (irate needs a sample before a round): wait until both proxies'
                // scrapes hold it, so that the next round starts after a scrape.
                await inbound.WaitHeldAsync(prometheus, http, sentIn, ct);
                await outbound.WaitHeldAsync(prometheus, http, sentOut, ct);
                continue;
            }

            rounds = round;

            var atIn = await inbound.ScrapeSpanningAsync(prometheus, http, beforeIn, sentIn, ct);
            var atOut = await outbound.ScrapeSpanningAsync(prometheus, http, beforeOut, sentOut, ct);
            output.WriteLine($"round {round}: inbound {atIn}, outbound {atOut}");
            if (atIn is not null && atOut is not null)
            {
                (inbound.At, inbound.Seconds) = atIn.Value;
                (outbound.At, outbound.Seconds) = atOut.Value;
                break;
            }
        }

        // The "Route" variable lists the two routes, and nothing else (Linkerd's default route has no rt_route).
        var routeValues = JsonNode.Parse(await http.GetStringAsync(new Uri(prometheus.Url,
            $"api/v1/label/rt_route/values?match[]={Uri.EscapeDataString(RouteVariable[(RouteVariable.IndexOf('(') + 1)..RouteVariable.LastIndexOf(',')].Replace("$namespace", "default", StringComparison.Ordinal))}"), ct))!["data"]!.AsArray();
        Assert.Equal(["api", "web"], routeValues.Select(v => v!.ToString()).Order(StringComparer.Ordinal));

        // Top line (inbound, the server's proxy): requests per route over the round, success rate, latency.
        Assert.Equal(ApiRequests, Count(await Single(prometheus, http, TopRequestRate, "api", inbound, ct), inbound));
        Assert.Equal(WebRequests, Count(await Single(prometheus, http, TopRequestRate, "web", inbound, ct), inbound));
        Assert.Equal(1.0, await Single(prometheus, http, TopSuccessRate, "api", inbound, ct));
        Assert.Equal((WebRequests - WebFailures) / (double)WebRequests, await Single(prometheus, http, TopSuccessRate, "web", inbound, ct), 12);
        Assert.InRange(await Single(prometheus, http, TopP95, "api", inbound, ct), double.Epsilon, 10_000);
        // Linkerd's route series carry no tls label: the padlocked series is empty, the other one has every request.
        Assert.Empty(await prometheus.QueryAsync(http, Fill(TopRequestRateTls, "api"), inbound.At, ct));
        Assert.Equal(ApiRequests, Count(await Single(prometheus, http, TopRequestRatePlain, "api", inbound, ct), inbound));

        // By deployment and by pod (outbound, the client's proxy).
        Assert.Equal(ApiRequests, Count(await Single(prometheus, http, DeployRequestRatePlain, "api", outbound, ct, "deployment", "client"), outbound));
        Assert.Equal(WebRequests, Count(await Single(prometheus, http, PodRequestRatePlain, "web", outbound, ct, "pod", "client-0"), outbound));
        Assert.Equal(1.0, await Single(prometheus, http, DeploySuccessRate, "api", outbound, ct, "deployment", "client"));
        Assert.Equal((WebRequests - WebFailures) / (double)WebRequests, await Single(prometheus, http, PodSuccessRate, "web", outbound, ct, "pod", "client-0"), 12);
        Assert.InRange(await Single(prometheus, http, DeployP95, "web", outbound, ct, "deployment", "client"), double.Epsilon, 10_000);
        // The request no rule matched (the client's proxy answered 404): Linkerd's default route, without rt_route.
        Assert.Equal(Unrouted, Count(await Single(prometheus, http, DeployRequestRatePlain, "", outbound, ct, "deployment", "client"), outbound));
        Assert.Equal(1.0, await Single(prometheus, http, DeploySuccessRate, "", outbound, ct, "deployment", "client"));

        // The series' own labels, as linkerd2-proxy writes them: the service's canonical authority in dst.
        var series = await prometheus.QueryAsync(http, "route_response_total{direction=\"outbound\",rt_route=\"web\",classification=\"failure\"}", null, ct);
        var failed = Assert.Single(series)!["metric"]!;
        Assert.Equal(("backend.default.svc.cluster.local:80", "500"), (failed["dst"]!.ToString(), failed["status_code"]!.ToString()));

        // The embedded source's `linnet routes` (outbound, from the client's proxy) counts what Prometheus holds.
        JsonNode? routes = null;
        await Eventually.UntilAsync(async () =>
            {
                var result = await mesh.RunCliAsync(ct, "routes", "-n", "default", "-t", "10m", "-o", "json");
                routes = JsonNode.Parse(result.Output);
                return RouteRequests(routes, "default/api") == await Total(prometheus, http, "api", ct)
                    && RouteRequests(routes, "default/web") == await Total(prometheus, http, "web", ct);
            },
            Wait, "linnet routes counts every request Prometheus counted", ct, () => routes?.ToJsonString() ?? "");
        var web = routes!["routes"]!.AsArray().Single(r => r?["route"]?.ToString() == "default/web")!;
        Assert.Equal((double)(rounds * WebRequests), web["requests"]!.GetValue<double>());
        Assert.Equal((double)(rounds * (WebRequests - WebFailures)), web["successes"]!.GetValue<double>());
    }

    // One round: api's requests, web's (the app failing the last WebFailures), one path no route matches.
    private static async Task SendRoundAsync(MeshClient client, string backend, CancellationToken ct)
    {
        for (var i = 0; i < ApiRequests; i++)
        {
            Assert.Equal(200, (await client.GetAsync("backend", $"/api/{i}", ct)).Status);
        }

        for (var i = 0; i < WebRequests - WebFailures; i++)
        {
            Assert.Equal(200, (await client.GetAsync("backend", $"/web/{i}", ct)).Status);
        }

        await client.SetFailPercentAsync(backend, 100, ct);
        for (var i = 0; i < WebFailures; i++)
        {
            Assert.Equal(500, (await client.GetAsync("backend", "/web/fail", ct)).Status);
        }

        await client.SetFailPercentAsync(backend, 0, ct);
        Assert.Equal(404, (await client.GetAsync("backend", "/other", ct)).Status);
    }

    private static string Fill(string query, string route) =>
        query.Replace("$namespace", "default", StringComparison.Ordinal).Replace("$rt_route", route, StringComparison.Ordinal).Replace("$__rate_interval", "1m", StringComparison.Ordinal);

    // The one series a query gives at the side's chosen scrape (the one of a group when grouped by a label).
    private static async Task<double> Single(PrometheusProcess prometheus, HttpClient http, string query, string route, Side side, CancellationToken ct, string? groupLabel = null, string? group = null)
    {
        var result = await prometheus.QueryAsync(http, Fill(query, route), side.At, ct);
        var row = Assert.Single(result, r => groupLabel is null || r!["metric"]![groupLabel]?.ToString() == group);
        return double.Parse(row!["value"]![1]!.ToString(), CultureInfo.InvariantCulture);
    }

    // A per-second rate over the two scrapes around the round, back to a count of requests.
    private static long Count(double rate, Side side)
    {
        var count = rate * side.Seconds;
        Assert.True(Math.Abs(count - Math.Round(count)) < 1e-6, $"{rate}/s over {side.Seconds}s is not a whole count");
        return (long)Math.Round(count);
    }

    private static async Task<double?> Total(PrometheusProcess prometheus, HttpClient http, string route, CancellationToken ct) =>
        await prometheus.ScalarAsync(http, $"sum(route_request_total{{namespace=\"default\",deployment=\"client\",direction=\"outbound\",rt_route=\"{route}\"}})", ct);

    private static double? RouteRequests(JsonNode? routes, string name) =>
        routes?["routes"]?.AsArray().FirstOrDefault(r => r?["route"]?.ToString() == name)?["requests"]?.GetValue<double>();

    // One proxy's side (its deployment's target in Prometheus) and the scrape the dashboard is read at.
    private sealed class Side(string deployment, string direction)
    {
        public string? At { get; set; }

        public double Seconds { get; set; }

        private string Sum => $"sum(route_request_total{{namespace=\"default\",deployment=\"{deployment}\",direction=\"{direction}\"}})";

        // Once Prometheus holds all `sent` requests: the first scrape that does, and the seconds since the scrape
        // before it, if that one held exactly `before` (the round fell between the two); else null.
        public Task WaitHeldAsync(PrometheusProcess prometheus, HttpClient http, int sent, CancellationToken ct) =>
            Eventually.UntilAsync(async () => await prometheus.ScalarAsync(http, Sum, ct) == sent, Wait, $"Prometheus holds {deployment}'s {sent} {direction} requests", ct, prometheus.Tail);

        public async Task<(string At, double Seconds)?> ScrapeSpanningAsync(PrometheusProcess prometheus, HttpClient http, int before, int sent, CancellationToken ct)
        {
            await WaitHeldAsync(prometheus, http, sent, ct);
            var sum = Sum;

            // The target's scrapes (its `up` samples), oldest first, as Prometheus's timestamp texts.
            var up = await prometheus.QueryAsync(http, $"up{{namespace=\"default\",deployment=\"{deployment}\"}}[2m]", null, ct);
            var times = Assert.Single(up)!["values"]!.AsArray().Select(v => v![0]!.ToString()).ToList();
            for (var i = 1; i < times.Count; i++)
            {
                if (await ValueAt(prometheus, http, sum, times[i], ct) != sent)
                {
                    continue;
                }

                var seconds = (Millis(times[i]) - Millis(times[i - 1])) / 1000.0;
                return await ValueAt(prometheus, http, sum, times[i - 1], ct) == before ? (times[i], seconds) : null;
            }

            return null;
        }

        private static async Task<double?> ValueAt(PrometheusProcess prometheus, HttpClient http, string query, string time, CancellationToken ct)
        {
            var result = await prometheus.QueryAsync(http, query, time, ct);
            return result.Count == 0 ? null : double.Parse(result[0]!["value"]![1]!.ToString(), CultureInfo.InvariantCulture);
        }

        private static long Millis(string time) => (long)Math.Round(decimal.Parse(time, CultureInfo.InvariantCulture) * 1000);
    }
}
