using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Linnet.ControlPlane;
using Linnet.ControlPlane.Core.Identity;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.EndToEnd.Tests.Infrastructure;
using Linnet.Testing;

namespace Linnet.EndToEnd.Tests;

/// <summary>Known traffic through real mTLS proxies, looked at three ways: <c>linnet stat</c>, <c>edges</c> and
/// <c>routes</c> from the control plane's embedded scraper; the same questions answered by a second control plane
/// whose metrics source is a real Prometheus (Debian's) scraping the proxies through the first one's
/// <c>http_sd_configs</c> endpoint; and Linkerd's dashboard queries run in that Prometheus. Every figure is the
/// count the apps and the proxies themselves report.</summary>
public sealed class IntrospectionTests(ITestOutputHelper output)
{
    private const int Requests = 200;
    private const string Window = "10m";

    private const string Route = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: backend-all }
        spec:
          parentRefs: [ { name: backend } ]
          rules:
            - backendRefs: [ { name: backend } ]

        """;

    [Fact]
    public async Task KnownTraffic_StatEdgesRoutesExact_SameFromEmbeddedAndPrometheus_LinkerdQueriesCountTheProxies()
    {
        Assert.SkipUnless(File.Exists("/usr/bin/prometheus"), "Debian's prometheus is not installed (test.sh installs it)");
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ["--metrics-scrape-interval", "1s"], ct);
        await MeshClient.ApplyFileAsync(mesh, Manifests.Join(
            TrafficApp.Service("backend", "{ app: backend }"),
            TrafficApp.Workload("client", 1, "{ app: client }", "0", "client"),
            TrafficApp.Workload("backend", 2, "{ app: backend }", "1", "backend", failPercent: 20),
            Route), ct);
        var instances = await mesh.WaitForInstancesAsync(3, ct);
        var clientAddress = instances.Single(i => i.Workload == "client").Address;
        var backends = instances.Where(i => i.Workload == "backend").Select(i => i.Address).ToList();
        using var client = new MeshClient(clientAddress);

        var replies = await client.BurstAsync("backend", "/stat", Requests, 4, ct);

        // What the apps answered: the truth every view must show (an app counts a request as it finishes, which
        // its client may see a moment before).
        long served = 0, failed = 0;
        await Eventually.UntilAsync(async () =>
        {
            (served, failed) = (0, 0);
            foreach (var backend in backends)
            {
                var (s, f) = await client.CountsAsync(backend, "/stat", ct);
                served += s;
                failed += f;
            }

            return served + failed == Requests;
        }, TimeSpan.FromSeconds(10), "the apps counted every request", ct, () => $"served {served}, failed {failed}");

        output.WriteLine($"served {served}, failed {failed}");
        Assert.Equal(Requests, served + failed);
        Assert.Equal(failed, replies.Count(r => r.Status == 500));
        Assert.InRange(failed, 1, Requests - 1);

        // 1. The embedded scraper, through the CLI.
        JsonNode? stat = null;
        await Eventually.UntilAsync(
            async () => Row(stat = await CliJsonAsync(mesh, ct, "stat", "deploy", "-t", Window), "backend")?["requests"]?.GetValue<double>() == Requests,
            TimeSpan.FromSeconds(30), "stat shows every request", ct, () => stat?.ToJsonString() ?? "");
        var backendRow = Row(stat, "backend")!;
        Assert.Equal(served, backendRow["successes"]!.GetValue<double>());
        Assert.Equal((2, 2), (backendRow["meshedPods"]!.GetValue<int>(), backendRow["pods"]!.GetValue<int>()));
        Assert.Equal(0, Row(stat, "client")!["requests"]!.GetValue<double>());

        var from = await CliJsonAsync(mesh, ct, "stat", "deploy", "--from", "deploy/client", "-t", Window);
        Assert.Equal(Requests, Row(from, "backend")!["requests"]!.GetValue<double>());
        var services = await CliJsonAsync(mesh, ct, "stat", "svc", "-t", Window);
        Assert.Equal(served, Row(services, "backend")!["successes"]!.GetValue<double>());

        var edges = await CliJsonAsync(mesh, ct, "edges", "deploy", "-t", Window);
        var edge = Assert.Single(edges!["edges"]!.AsArray());
        Assert.Equal(("client", "backend", true), (edge!["src"]!.ToString(), edge["dst"]!.ToString(), edge["secured"]!.GetValue<bool>()));
        Assert.Equal("spiffe://cluster.local/ns/default/sa/client", edge["clientId"]!.ToString());
        Assert.Equal("spiffe://cluster.local/ns/default/sa/backend", edge["serverId"]!.ToString());
        Assert.Equal(Requests, edge["requests"]!.GetValue<double>());

        var routes = await CliJsonAsync(mesh, ct, "routes", "-t", Window);
        var route = Assert.Single(routes!["routes"]!.AsArray());
        Assert.Equal(("default/backend-all", "default/backend:80", "client"), (route!["route"]!.ToString(), route["parent"]!.ToString(), route["workload"]!.ToString()));
        Assert.Equal((double)Requests, route["requests"]!.GetValue<double>());
        Assert.Equal((double)served, route["successes"]!.GetValue<double>());

        var raw = await mesh.RunCliAsync(ct, "diagnostics", "proxy-metrics", "deploy/backend");
        Assert.Equal(0, raw.ExitCode);
        Assert.Contains("# POD backend-0 (1 of 2)", raw.Output, StringComparison.Ordinal);
        Assert.Contains("# POD backend-1 (2 of 2)", raw.Output, StringComparison.Ordinal);
        Assert.Equal(2, raw.Output.Split('\n').Count(l => l.StartsWith("# TYPE response_total counter", StringComparison.Ordinal)));

        var table = await mesh.RunCliAsync(ct, "stat", "deploy", "-t", Window);
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("LATENCY_P99", table.Output, StringComparison.Ordinal);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"{served * 100.0 / Requests:F2}%"), table.Output, StringComparison.Ordinal);

        // 2. A real Prometheus scraping the proxies through the service-discovery endpoint.
        await using var prometheus = await PrometheusProcess.StartAsync(new Uri(mesh.Api, "api/v1/metrics/targets"), Path.Combine(mesh.DataDirectory, AdminTokenHandler.FileName), ct);
        using var http = new HttpClient();
        using var embeddedApi = new HttpClient(new AdminTokenHandler(mesh.DataDirectory));
        await Eventually.UntilAsync(
            // Every proxy is scraped on its own schedule: wait for both sides' scrapes after the traffic, the backends'
            // inbound and the client's outbound.
            async () => await prometheus.ScalarAsync(http, "sum(response_total{namespace=\"default\",deployment=\"backend\",direction=\"inbound\"})", ct) == Requests
                && await prometheus.ScalarAsync(http, "sum(response_total{namespace=\"default\",deployment=\"client\",direction=\"outbound\"})", ct) == Requests,
            TimeSpan.FromSeconds(60), "Prometheus has scraped every proxy's counts", ct, prometheus.Tail);

        // Linkerd's dashboards' selectors and groupings (deployment and authority dashboards), over the counters.
        double proxiesOwn = 0;
        foreach (var backend in backends)
        {
            proxiesOwn += (await client.MetricsAsync(ct, backend)).Sum("response_total", "direction=inbound", "classification=success");
        }

        Assert.Equal(served, proxiesOwn);
        Assert.Equal(proxiesOwn, await prometheus.ScalarAsync(http, "sum(response_total{classification=\"success\",namespace=\"default\",deployment=\"backend\",direction=\"inbound\"})", ct));
        Assert.Equal(Requests, await prometheus.ScalarAsync(http, "sum(response_total{namespace=\"default\",deployment=\"client\",direction=\"outbound\",dst_deployment=\"backend\",dst_namespace=\"default\"})", ct));
        // One inbound authority for the service (the client proxy's canonical name for it), as on the client's side.
        Assert.Equal(1, await prometheus.ScalarAsync(http, "count(count by (authority) (response_total{namespace=\"default\",deployment=\"backend\",direction=\"inbound\"}))", ct));
        Assert.Equal(Requests, await prometheus.ScalarAsync(http, "sum(response_total{namespace=\"default\",direction=\"inbound\",authority=~\"backend\\\\.default\\\\..+:80\"})", ct));
        Assert.Equal(Requests, await prometheus.ScalarAsync(http, "sum(response_total{namespace=\"default\",deployment=\"backend\",direction=\"inbound\"} and on (authority) response_total{namespace=\"default\",deployment=\"client\",direction=\"outbound\"})", ct));
        Assert.Equal(Requests, await prometheus.ScalarAsync(http, "sum(response_latency_ms_count{namespace=\"default\",deployment=\"backend\",direction=\"inbound\"})", ct));
        Assert.Equal(2, await prometheus.ScalarAsync(http, "count(count by (pod) (response_total{namespace=\"default\",deployment=\"backend\",direction=\"inbound\"}))", ct));
        // No label the scrape adds was also exported by a proxy.
        Assert.Null(await prometheus.ScalarAsync(http, "count({__name__=~\".+\",exported_namespace!=\"\"} or {__name__=~\".+\",exported_pod!=\"\"} or {__name__=~\".+\",exported_deployment!=\"\"})", ct));

        // 3. The same questions to a control plane whose metrics source is that Prometheus: the same answers.
        var store = new InMemoryResourceStore();
        await store.CommitAsync([.. instances.Select(i => new PutChange(new InstanceResource
        {
            Metadata = new ObjectMeta { Name = i.Name },
            Spec = new InstanceSpec(i.Workload, i.Address, i.Workload, [8080], 4143, 4191, true, null),
        }))], ct);

        var identityDir = Directory.CreateTempSubdirectory("linnet-e2e-prom-cp-");
        try
        {
            await using var viaPrometheus = ControlPlaneHost.Create(new ControlPlaneOptions
            {
                GrpcListen = new IPEndPoint(IPAddress.Loopback, 0),
                HttpListen = new IPEndPoint(IPAddress.Loopback, 0),
                Identity = new IdentityOptions { Directory = identityDir.FullName },
                Metrics = new() { PrometheusUrl = prometheus.Url },
            }, store);
            await viaPrometheus.StartAsync(ct);
            var api = new Uri($"http://{viaPrometheus.HttpEndPoint}/api/v1/");
            using var promApi = new HttpClient();
            promApi.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", viaPrometheus.AdminCredential.Token);
            foreach (var (path, list) in new[]
            {
                ("stat?resource=workloads", "rows"), ("stat?resource=services", "rows"), ("stat?resource=workloads&from=client", "rows"),
                ("stat?resource=workloads&to=backend", "rows"), ("stat?resource=authorities", "rows"), ("stat?resource=namespaces", "rows"),
                ("edges?", "edges"), ("routes?", "routes"),
            })
            {
                var embedded = await JsonAsync(embeddedApi, new Uri(mesh.Api, $"api/v1/{path}&namespace=default&window={Window}"), ct);
                var prom = await JsonAsync(promApi, new Uri(api, $"{path}&namespace=default&window={Window}"), ct);
                Assert.Equal(Canonical(embedded![list]!), Canonical(prom![list]!));
            }

            await viaPrometheus.StopAsync(ct);
        }
        finally
        {
            identityDir.Delete(recursive: true);
        }
    }

    private static JsonNode? Row(JsonNode? stat, string name) =>
        stat?["rows"]?.AsArray().FirstOrDefault(r => r?["name"]?.ToString() == name);

    private static async Task<JsonNode?> CliJsonAsync(Mesh mesh, CancellationToken ct, params string[] arguments)
    {
        var result = await mesh.RunCliAsync(ct, [.. arguments, "-n", "default", "-o", "json"]);
        Assert.True(result.ExitCode == 0, result.Output);
        return JsonNode.Parse(result.Output);
    }

    private static async Task<JsonNode?> JsonAsync(HttpClient http, Uri uri, CancellationToken ct)
    {
        using var response = await http.GetAsync(uri, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.IsSuccessStatusCode, $"{uri}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text);
    }

    // Rows in a stable order with numbers rounded to 9 digits: the two sources sum the same counters in
    // different orders.
    private static string Canonical(JsonNode list) => string.Join('\n', list.AsArray().Select(CanonicalRow).Order(StringComparer.Ordinal));

    private static string CanonicalRow(JsonNode? row) => string.Join(',', row!.AsObject().OrderBy(p => p.Key, StringComparer.Ordinal).Select(p =>
        $"{p.Key}={(p.Value is JsonValue v && v.TryGetValue<double>(out var d) ? Math.Round(d, 9).ToString("R", CultureInfo.InvariantCulture) : p.Value?.ToJsonString())}"));
}
