using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Linnet.Api.Telemetry;
using Linnet.ControlPlane;
using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Metrics;
using Linnet.ControlPlane.Core.Store;
using Linnet.EndToEnd.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Linnet.EndToEnd.Tests;

/// <summary>The dashboard with 200 workloads, in Debian's Chromium. The mesh is a real control plane with 200
/// <c>Instance</c> resources (one per workload, in four namespaces) whose proxies' samples are written into the
/// real embedded metrics store, as its scraper would after scraping them (200 processes would measure the
/// machine, not the page); each workload's figures are known. The pages stay usable: every row is rendered with
/// its own figures, the filter narrows them, the call graph draws all 190 edges, and a workload's detail lists
/// its 19 destinations. A Canary's status is shown as the resource API reports it.</summary>
public sealed class DashboardScaleTests(ITestOutputHelper output)
{
    private const int Workloads = 200;
    private const int Frontends = 10;
    private const int CallsPerFrontend = 19;

    [Fact]
    public async Task Dashboard_200Workloads_RenderedFilterableAndGraphDrawn()
    {
        Assert.SkipUnless(File.Exists(DashboardBrowser.Chromium), "Debian's chromium is not installed (test.sh installs it)");
        var ct = TestContext.Current.CancellationToken;
        var series = new EmbeddedSeriesStore(TimeSpan.FromMinutes(15), TimeSpan.FromSeconds(5), TimeProvider.System);
        var store = new InMemoryResourceStore();
        var options = new ControlPlaneOptions { GrpcListen = new IPEndPoint(IPAddress.Loopback, 0), HttpListen = new IPEndPoint(IPAddress.Loopback, 0) };
        await using var host = ControlPlaneHost.Create(options, store, services =>
        {
            services.AddLogging(b => b.ClearProviders());
            services.AddSingleton(series);
        });
        await host.StartAsync(ct);
        await CommitInstancesAsync(store, ct);
        var now = TimeProvider.System.GetUtcNow();
        foreach (var target in ScrapeTargets.From(store.Snapshot()))
        {
            series.Add(target, now, Samples(int.Parse(target.Workload[3..], CultureInfo.InvariantCulture)));
        }

        var api = new Uri($"http://{host.HttpEndPoint}/");
        using var http = new HttpClient { BaseAddress = api };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", host.AdminCredential.Token);
        using var codeResponse = await http.PostAsync("api/v1/dashboard/codes", null, ct);
        var code = JsonNode.Parse(await codeResponse.Content.ReadAsStringAsync(ct))!["path"]!.GetValue<string>();

        await using var browser = await DashboardBrowser.LaunchAsync(output);
        var page = browser.Page;
        await page.GotoAsync(new Uri(api, code).AbsoluteUri);

        // Every workload is a row with its own figures; wl-7 served 107 and failed 2 (98.17 %) in one namespace of four.
        var rows = page.Locator("table[data-testid=workloads] tbody tr");
        await Expect(rows).ToHaveCountAsync(Workloads);
        await Expect(page.Locator("[data-testid=workload-count]")).ToHaveTextAsync($"{Workloads} of {Workloads} workloads");
        await Expect(page.Locator("tr[data-workload='team-3/wl-7'] [data-col=success]")).ToHaveTextAsync(Percent(107, 109));
        await Expect(page.Locator("tr[data-workload='team-3/wl-199'] [data-col=success]")).ToHaveTextAsync(Percent(299, 303));
        await Expect(page.Locator("table[data-testid=namespaces] tbody tr")).ToHaveCountAsync(4);
        await browser.ScreenshotAsync("scale-1-overview-200");

        await page.FillAsync("[data-testid=workload-filter]", "wl-19");
        // wl-19 and wl-190 … wl-199.
        await Expect(rows).ToHaveCountAsync(11);
        await page.FillAsync("[data-testid=workload-filter]", "team-0/");
        await Expect(rows).ToHaveCountAsync(Workloads / 4);
        await browser.ScreenshotAsync("scale-2-overview-filtered");

        await page.ClickAsync("nav a[data-view=graph]");
        await Expect(page.Locator("svg[data-testid=graph] g[data-edge]")).ToHaveCountAsync(Frontends * CallsPerFrontend);
        await Expect(page.Locator("svg[data-testid=graph] g[data-node]")).ToHaveCountAsync(Frontends * (1 + CallsPerFrontend));
        await Expect(page.Locator("table[data-testid=edges] tbody tr")).ToHaveCountAsync(Frontends * CallsPerFrontend);
        await browser.ScreenshotAsync("scale-3-graph");

        await page.ClickAsync("svg[data-testid=graph] g[data-node='team-0/wl-0']");
        await Expect(page.Locator("table[data-testid=outbound] tbody tr")).ToHaveCountAsync(CallsPerFrontend);
        await Expect(page.Locator("table[data-testid=outbound] tr[data-workload='team-2/wl-10'] [data-col=success]")).ToHaveTextAsync("100.00%");
        await browser.ScreenshotAsync("scale-4-workload");

        // A Canary: the view shows the phase, weight and failed checks the resource API reports.
        await CommitCanaryAsync(store, ct);
        await page.ClickAsync("nav a[data-view=rollouts]");
        var canary = page.Locator("section[data-canary='team-0/wl-0']");
        await Expect(canary.Locator("[data-col=weight]")).ToHaveTextAsync("20");
        await Expect(canary.Locator("[data-col=failed]")).ToHaveTextAsync("1");
        await Expect(canary.Locator("[data-col=phase]")).ToHaveTextAsync("Progressing");
        await Expect(canary.Locator("tr[data-metric=request-success-rate]")).ToContainTextAsync("99.5");
        using var resource = await http.GetAsync("api/v1/resources/Canary/team-0/wl-0", ct);
        var status = JsonNode.Parse(await resource.Content.ReadAsStringAsync(ct))!["status"]!;
        Assert.Equal(("Progressing", 20, 1), (status["phase"]!.GetValue<string>(), status["canaryWeight"]!.GetValue<int>(), status["failedChecks"]!.GetValue<int>()));
        await browser.ScreenshotAsync("scale-5-rollouts");
    }

    private static string Percent(int part, int whole) => (part * 100.0 / whole).ToString("F2", CultureInfo.InvariantCulture) + "%";

    // wl-i: in team-(i % 4), served 100 + i, failed i % 5; wl-0 … wl-9 call 19 others each, 5 requests per edge.
    private static List<MetricSample> Samples(int i)
    {
        var total = 100 + i + (i % 5);
        List<MetricSample> samples =
        [
            new("response_total", Labels(("direction", "inbound"), ("classification", "success"), ("status_code", "200")), 100 + i),
            new("response_total", Labels(("direction", "inbound"), ("classification", "failure"), ("status_code", "500")), i % 5),
            new("response_latency_ms_bucket", Labels(("direction", "inbound"), ("le", "10")), total / 2),
            new("response_latency_ms_bucket", Labels(("direction", "inbound"), ("le", "100")), total),
            new("response_latency_ms_bucket", Labels(("direction", "inbound"), ("le", "+Inf")), total),
        ];
        if (i < Frontends)
        {
            for (var k = 0; k < CallsPerFrontend; k++)
            {
                var j = Frontends + (i * CallsPerFrontend) + k;
                samples.Add(new("response_total", Labels(("direction", "outbound"), ("classification", "success"), ("status_code", "200"), ("tls", "true"),
                    ("dst_namespace", Namespace(j)), ("dst_deployment", Name(j)), ("server_id", $"spiffe://cluster.local/ns/{Namespace(j)}/sa/{Name(j)}")), 5));
            }
        }

        return samples;
    }

    private static Dictionary<string, string> Labels(params (string Name, string Value)[] labels) => labels.ToDictionary(l => l.Name, l => l.Value, StringComparer.Ordinal);

    private static string Name(int i) => "wl-" + i.ToString(CultureInfo.InvariantCulture);

    private static string Namespace(int i) => "team-" + (i % 4).ToString(CultureInfo.InvariantCulture);

    private static async Task CommitInstancesAsync(InMemoryResourceStore store, CancellationToken ct)
    {
        var yaml = new StringBuilder();
        for (var i = 0; i < Workloads; i++)
        {
            // Loopback addresses where nothing listens on the admin port: the embedded scraper's own attempts fail
            // and leave the samples written above in place.
            yaml.Append(CultureInfo.InvariantCulture, $"""
                apiVersion: linnet.io/v1alpha1
                kind: Instance
                metadata: {"{"} name: {Name(i)}-0, namespace: {Namespace(i)}, labels: {"{"} app: {Name(i)} {"}"} {"}"}
                spec: {"{"} workload: {Name(i)}, address: 127.0.{1 + (i / 250)}.{1 + (i % 250)}, serviceAccount: {Name(i)}, ports: [8080], proxyInboundPort: 4143, proxyAdminPort: 1, ready: true {"}"}
                ---

                """);
        }

        await CommitAsync(store, yaml.ToString(), ct);
    }

    private static Task CommitCanaryAsync(InMemoryResourceStore store, CancellationToken ct) => CommitAsync(store, """
        apiVersion: flagger.app/v1beta1
        kind: Canary
        metadata: { name: wl-0, namespace: team-0 }
        spec:
          targetRef: { apiVersion: apps/v1, kind: Deployment, name: wl-0 }
          service: { port: 80, targetPort: 8080 }
          analysis: { interval: 1h, threshold: 5, maxWeight: 50, stepWeight: 10 }
        status:
          phase: Progressing
          canaryWeight: 20
          failedChecks: 1
          iterations: 2
          lastTransitionTime: "2026-12-04T08:00:00Z"
          metrics:
            - { name: request-success-rate, value: 99.5, min: 99, passed: true, checkedAt: "2026-12-04T08:00:00Z" }
        """, ct);

    private static async Task CommitAsync(InMemoryResourceStore store, string yaml, CancellationToken ct)
    {
        var parsed = ManifestParser.Parse(yaml, "test", ManifestOrigin.Store);
        Assert.Empty(parsed.Errors);
        await store.CommitAsync(parsed.Resources.Select(r => (StoreChange)new PutChange(r)).ToList(), ct);
    }
}
