using System.Globalization;
using System.Text.RegularExpressions;
using Linnet.EndToEnd.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Linnet.EndToEnd.Tests;

/// <summary>The dashboard in Debian's Chromium against a real mesh (control plane and mTLS proxies started by
/// <c>linnet</c>, the embedded metrics source): signed in with the URL <c>linnet dashboard</c> prints, every view
/// opened as a person would, and what it shows checked against the traffic the test sent and the apps counted. A
/// screenshot of every view is saved as a test artifact.</summary>
public sealed partial class DashboardTests(ITestOutputHelper output)
{
    private const int Requests = 200;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

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
    public async Task Dashboard_RealMeshKnownTraffic_EveryViewShowsIt()
    {
        Assert.SkipUnless(File.Exists(DashboardBrowser.Chromium), "Debian's chromium is not installed (test.sh installs it)");
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ["--metrics-scrape-interval", "1s"], ct);
        await MeshClient.ApplyFileAsync(mesh, Manifests.Join(
            TrafficApp.Service("backend", "{ app: backend }"),
            TrafficApp.Workload("client", 1, "{ app: client }", "0", "client"),
            TrafficApp.Workload("backend", 2, "{ app: backend }", "1", "backend", failPercent: 20),
            Route), ct);
        var instances = await mesh.WaitForInstancesAsync(3, ct);
        var backends = instances.Where(i => i.Workload == "backend").Select(i => i.Address).ToList();
        using var client = new MeshClient(instances.Single(i => i.Workload == "client").Address);

        await client.BurstAsync("backend", "/stat", Requests, 4, ct);
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
        Assert.InRange(failed, 1, Requests - 1);
        // The live views below check exact counts and a 100 % success: no more failures from here on.
        foreach (var backend in backends)
        {
            await client.SetFailPercentAsync(backend, 0, ct);
        }

        // Sign in as the user does: the URL `linnet dashboard` prints, opened in the browser.
        var cli = await mesh.RunCliAsync(ct, "dashboard");
        Assert.Equal(0, cli.ExitCode);
        var url = cli.Output.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("http://", StringComparison.Ordinal));
        Assert.Matches("/dashboard/login\\?code=[0-9a-f]{64}$", url);
        await using var browser = await DashboardBrowser.LaunchAsync(output);
        var page = browser.Page;
        await page.GotoAsync(url);
        Assert.Equal(new Uri(mesh.Api, "dashboard/").AbsoluteUri, page.Url); // the clean URL: the code is gone
        var cookie = Assert.Single(await browser.Context.CookiesAsync(), c => c.Name == "linnet-dashboard");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);

        // The code was single-use: opening the URL again (a second browser, or someone who read it) is refused.
        var again = await browser.Context.APIRequest.GetAsync(url);
        Assert.Equal(401, again.Status);

        // Overview over 15 minutes: the namespace and the backend show exactly the apps' success rate, the client
        // (which serves nothing) none; RPS is requests over the window, as in Linkerd.
        await page.SelectOptionAsync("#window", "15m");
        var successText = Percent(served, Requests);
        var backendRow = page.Locator("table[data-testid=workloads] tr[data-workload='default/backend']");
        await Expect(backendRow.Locator("[data-col=success]")).ToHaveTextAsync(successText, new() { Timeout = (float)Wait.TotalMilliseconds });
        await Expect(backendRow.Locator("[data-col=meshed]")).ToHaveTextAsync("2/2");
        await Expect(backendRow.Locator("[data-col=rps]")).ToHaveTextAsync((Requests / 900.0).ToString("F2", CultureInfo.InvariantCulture) + " rps");
        await Expect(backendRow.Locator("[data-col=p50]")).ToHaveTextAsync(LatencyText());
        await Expect(page.Locator("table[data-testid=workloads] tr[data-workload='default/client'] [data-col=success]")).ToHaveTextAsync("-");
        await Expect(page.Locator("table[data-testid=namespaces] tr[data-namespace=default] [data-col=success]")).ToHaveTextAsync(successText);
        await browser.ScreenshotAsync("1-overview");

        // The filter narrows the table as the user types.
        await page.FillAsync("[data-testid=workload-filter]", "back");
        await Expect(page.Locator("table[data-testid=workloads] tbody tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("[data-testid=workload-count]")).ToHaveTextAsync("1 of 2 workloads");
        await page.FillAsync("[data-testid=workload-filter]", "");
        await Expect(page.Locator("table[data-testid=workloads] tbody tr")).ToHaveCountAsync(2);

        // The call graph: one secured edge client → backend carrying every request, drawn and listed.
        await page.ClickAsync("nav a[data-view=graph]");
        var edge = page.Locator("svg[data-testid=graph] g[data-edge='default/client->default/backend']");
        await Expect(edge).ToHaveAttributeAsync("data-secured", "true", new() { Timeout = (float)Wait.TotalMilliseconds });
        await Expect(edge.Locator("line")).ToHaveClassAsync(new Regex("secured"));
        await Expect(page.Locator("svg[data-testid=graph] g[data-edge]")).ToHaveCountAsync(1);
        var edgeRow = page.Locator("table[data-testid=edges] tr[data-edge='default/client->default/backend']");
        await Expect(edgeRow.Locator("[data-col=requests]")).ToHaveTextAsync(Requests.ToString(CultureInfo.InvariantCulture));
        await Expect(edgeRow).ToContainTextAsync("spiffe://cluster.local/ns/default/sa/client");
        await Expect(edgeRow).ToContainTextAsync("spiffe://cluster.local/ns/default/sa/backend");
        await browser.ScreenshotAsync("2-graph");

        // Workload detail, reached by clicking the backend's node: its caller and edge; the client's route.
        await page.ClickAsync("svg[data-testid=graph] g[data-node='default/backend']");
        await Expect(page.Locator("[data-testid=workload-title]")).ToHaveTextAsync("Workload default/backend");
        await Expect(page.Locator("table[data-testid=inbound] tr[data-workload='default/client'] [data-col=success]")).ToHaveTextAsync(successText);
        await Expect(page.Locator("table[data-testid=edges] tr[data-edge='default/client->default/backend']")).ToHaveCountAsync(1);
        await browser.ScreenshotAsync("3-workload-backend");
        await page.GotoAsync(new Uri(mesh.Api, "dashboard/#/workload/default/client").AbsoluteUri);
        await Expect(page.Locator("table[data-testid=outbound] tr[data-workload='default/backend'] [data-col=success]")).ToHaveTextAsync(successText, new() { Timeout = (float)Wait.TotalMilliseconds });
        await Expect(page.Locator("table[data-testid=routes] tr[data-route='default/backend-all'] [data-col=requests]")).ToHaveTextAsync(Requests.ToString(CultureInfo.InvariantCulture));
        await browser.ScreenshotAsync("4-workload-client");

        // Live tap of the client's proxy, limited to a path prefix: a request the test makes appears with its
        // headers, the secret one redacted; the row filter hides and shows it.
        await page.GotoAsync(new Uri(mesh.Api, "dashboard/#/tap?namespace=default&resource=deploy&name=client&path=/dash-tap").AbsoluteUri);
        await Expect(page.Locator("#status")).ToContainTextAsync("Tapping", new() { Timeout = (float)Wait.TotalMilliseconds });
        await SendAsync(client, "/dash-tap/1", ct);
        await SendAsync(client, "/not-tapped", ct);
        var tapRow = page.Locator("table[data-testid=tap-rows] tr[data-path='/dash-tap/1']");
        await Expect(tapRow).ToHaveCountAsync(1, new() { Timeout = (float)Wait.TotalMilliseconds });
        await Expect(tapRow.Locator("[data-col=status]")).ToHaveTextAsync("200");
        // The HTTPRoute the client's proxy matched (Linkerd's rt_route).
        await Expect(tapRow.Locator("[data-col=route]")).ToHaveTextAsync("default/backend-all");
        await tapRow.ClickAsync();
        await Expect(page.Locator("[data-testid=tap-route]")).ToHaveTextAsync("route default/backend-all (HTTPRoute)");
        await Expect(page.Locator("table[data-testid=request-headers] tr[data-header=x-dashboard-test] td").Nth(1)).ToHaveTextAsync("e2e");
        await Expect(page.Locator("table[data-testid=request-headers] tr[data-header=authorization] td").Nth(1)).ToHaveTextAsync("[redacted]");
        await browser.ScreenshotAsync("5-tap");
        await page.FillAsync("[data-testid=tap-filter]", "no-such-request");
        await Expect(page.Locator("table[data-testid=tap-rows] tbody tr")).ToHaveCountAsync(0);
        await page.FillAsync("[data-testid=tap-filter]", "dash-tap");
        await Expect(page.Locator("table[data-testid=tap-rows] tbody tr")).ToHaveCountAsync(1);
        Assert.Equal(0, await page.Locator("table[data-testid=tap-rows] tr[data-path='/not-tapped']").CountAsync());

        // Top over the same stream: five requests to one path are one row counting five, all successful.
        await page.GotoAsync(new Uri(mesh.Api, "dashboard/#/top?namespace=default&resource=deploy&name=client&path=/dash-top").AbsoluteUri);
        await Expect(page.Locator("#status")).ToContainTextAsync("Tapping", new() { Timeout = (float)Wait.TotalMilliseconds });
        for (var i = 0; i < 5; i++)
        {
            await SendAsync(client, "/dash-top?i=" + i.ToString(CultureInfo.InvariantCulture), ct);
        }

        // One row per source, destination pod, method and path (Linkerd's top): the two backends share the five.
        await page.WaitForFunctionAsync(
            "() => [...document.querySelectorAll('table[data-testid=top-rows] [data-col=count]')].reduce((n, c) => n + Number(c.textContent), 0) === 5",
            null, new() { Timeout = (float)Wait.TotalMilliseconds });
        var topRows = page.Locator("table[data-testid=top-rows] tbody tr");
        Assert.InRange(await topRows.CountAsync(), 1, 2);
        foreach (var row in await topRows.AllAsync())
        {
            await Expect(row.Locator("[data-col=path]")).ToHaveTextAsync("/dash-top");
            await Expect(row.Locator("[data-col=success]")).ToHaveTextAsync("100.00%");
            await Expect(row).ToContainTextAsync("GET");
        }

        await browser.ScreenshotAsync("6-top");

        // Rollouts: none in this mesh, and the view says so.
        await page.ClickAsync("nav a[data-view=rollouts]");
        await Expect(page.Locator("[data-testid=no-rollouts]")).ToBeVisibleAsync();
        await browser.ScreenshotAsync("7-rollouts-empty");

        // Sign out: the session is over for the API too.
        await page.ClickAsync("#logout");
        await Expect(page.Locator("[data-testid=signed-out]")).ToBeVisibleAsync();
        using var old = new HttpRequestMessage(HttpMethod.Get, new Uri(mesh.Api, "dashboard/"));
        old.Headers.TryAddWithoutValidation("Cookie", $"{cookie.Name}={cookie.Value}");
        using var plain = new HttpClient();
        using var after = await plain.SendAsync(old, ct);
        Assert.Equal(401, (int)after.StatusCode);
    }

    private static string Percent(long part, long whole) => (part * 100.0 / whole).ToString("F2", CultureInfo.InvariantCulture) + "%";

    // A latency (the exact bucket bound depends on the machine's speed): a number of milliseconds.
    private static Regex LatencyText() => LatencyPattern();

    private static async Task SendAsync(MeshClient client, string path, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://{client.ClientAddress}:4140{path}"));
        request.Headers.Host = "backend";
        request.Headers.TryAddWithoutValidation("x-dashboard-test", "e2e");
        request.Headers.TryAddWithoutValidation("authorization", "Bearer dashboard-secret");
        using var response = await client.Http.SendAsync(request, ct);
        await response.Content.ReadAsByteArrayAsync(ct);
        Assert.Equal(200, (int)response.StatusCode);
    }

    [GeneratedRegex("^[0-9.]+ ms$")]
    private static partial Regex LatencyPattern();
}
