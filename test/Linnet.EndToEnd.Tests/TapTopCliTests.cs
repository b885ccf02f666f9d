using System.Globalization;
using Linnet.EndToEnd.Tests.Infrastructure;

namespace Linnet.EndToEnd.Tests;

/// <summary><c>linnet tap -o wide</c> and <c>linnet top</c> as a person runs them, against real mTLS proxies: the
/// tap's lines name the HTTPRoute each request matched (Linkerd's <c>rt_route</c>), and top's table, read off a real
/// terminal (tmux), counts exactly the requests the test sent per path, with the success rates the apps' answers
/// give, busiest first, and latencies no quicker than the app's known delay and no longer than the traffic took.</summary>
public sealed class TapTopCliTests(ITestOutputHelper output)
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
        metadata: { name: rest }
        spec:
          parentRefs: [ { name: backend } ]
          rules:
            - backendRefs: [ { name: backend } ]

        """;

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task TapWide_TwoHttpRoutes_EachRequestNamesTheRouteItMatched()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ct);
        var (client, _, _) = await StartMeshAsync(mesh, ct);
        using var disposeClient = client;

        await using var tap = await mesh.StartCliAsync(ct, "tap", "deploy/client", "-n", "default", "--path", "/tap-", "-o", "wide");
        await WaitTapActiveAsync(client, 1, tap, ct);

        // Gateway API precedence across the service's routes: the longer path prefix (api's /api) before rest's /.
        await client.GetAsync("backend", "/tap-x", ct);
        await client.GetAsync("backend", "/api/tap-y", ct); // not under the tap's --path: must not show
        await client.GetAsync("backend", "/tap-z", ct);
        await tap.WaitForOutputAsync("end id=0:", Wait, ct);
        await Eventually.UntilAsync(() => tap.Lines.Count(l => l.StartsWith("end ", StringComparison.Ordinal)) == 2, Wait, "two end lines", ct, () => tap.Output);

        var req = tap.Lines.Where(l => l.StartsWith("req ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, req.Count);
        Assert.Contains(":path=/tap-x src_res=deploy/client src_ns=default dst_res=deploy/backend dst_ns=default rt_route=rest rt_kind=HTTPRoute rt_namespace=default", req[0], StringComparison.Ordinal);
        Assert.Contains(":path=/tap-z ", req[1], StringComparison.Ordinal);
        Assert.DoesNotContain(tap.Lines, l => l.Contains("/api/tap-y", StringComparison.Ordinal));
        Assert.All(tap.Lines.Where(l => l.StartsWith("rsp ", StringComparison.Ordinal) || l.StartsWith("end ", StringComparison.Ordinal)),
            l => Assert.EndsWith(" rt_route=rest rt_kind=HTTPRoute rt_namespace=default", l, StringComparison.Ordinal));
        await tap.StopAsync(TimeSpan.FromSeconds(10), ct);
        await WaitTapActiveAsync(client, 0, tap, ct);

        // The same proxies, a tap on the other route's prefix: the api route.
        await using var apiTap = await mesh.StartCliAsync(ct, "tap", "deploy/client", "-n", "default", "--path", "/api", "-o", "wide");
        await WaitTapActiveAsync(client, 1, apiTap, ct);
        await client.GetAsync("backend", "/api/1", ct);
        await apiTap.WaitForOutputAsync("end id=0:", Wait, ct);
        var apiReq = Assert.Single(apiTap.Lines, l => l.StartsWith("req ", StringComparison.Ordinal));
        Assert.EndsWith(":path=/api/1 src_res=deploy/client src_ns=default dst_res=deploy/backend dst_ns=default rt_route=api rt_kind=HTTPRoute rt_namespace=default", apiReq, StringComparison.Ordinal);
        await apiTap.StopAsync(TimeSpan.FromSeconds(10), ct);
    }

    [Fact]
    public async Task Top_LiveTraffic_TableCountsSuccessRatesAndLatenciesOfTheKnownRequests()
    {
        Assert.SkipUnless(File.Exists("/usr/bin/tmux"), "Debian's tmux is not installed (test.sh installs it)");
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ct);
        var (client, backend, _) = await StartMeshAsync(mesh, ct);
        using var disposeClient = client;

        await using var terminal = await TmuxTerminal.StartAsync(mesh.CliCommandLine("top", "deploy/client", "-n", "default"), 200, 40, ct);
        await WaitTapActiveAsync(client, 1, null, ct);

        // The known traffic, one request at a time: what each path's row must say.
        var trafficStarted = TimeProvider.System.GetTimestamp();
        var sent = new Dictionary<string, List<Reply>> { ["/fast"] = [], ["/slow"] = [], ["/fail"] = [], ["/mixed"] = [] };
        for (var i = 0; i < 10; i++)
        {
            sent["/fast"].Add(await client.GetAsync("backend", "/fast", ct));
        }

        for (var i = 0; i < 3; i++)
        {
            sent["/slow"].Add(await client.GetAsync("backend", "/slow?ms=300", ct)); // the app answers after 300 ms
        }

        for (var i = 0; i < 4; i++)
        {
            sent["/fail"].Add(await client.GetAsync("broken", "/fail", ct)); // the broken app answers 500 to everything
        }

        for (var i = 0; i < 6; i++)
        {
            sent["/mixed"].Add(await client.GetAsync("backend", "/mixed", ct));
        }

        await client.SetFailPercentAsync(backend, 100, ct);
        for (var i = 0; i < 2; i++)
        {
            sent["/mixed"].Add(await client.GetAsync("backend", "/mixed", ct));
        }

        Assert.All(sent["/fast"].Concat(sent["/slow"]), r => Assert.Equal(200, r.Status));
        Assert.All(sent["/fail"], r => Assert.Equal(500, r.Status));
        Assert.Equal([200, 200, 200, 200, 200, 200, 500, 500], sent["/mixed"].Select(r => r.Status));

        List<string[]> table = [];
        Dictionary<string, string[]> rows = [];
        string[] screen = [];
        await Eventually.UntilAsync(
            async () =>
            {
                screen = await terminal.ScreenAsync(ct);
                table = Rows(screen);
                rows = table.ToDictionary(r => r[3], StringComparer.Ordinal);
                return table.Sum(r => long.Parse(r[4], CultureInfo.InvariantCulture)) == sent.Values.Sum(r => r.Count);
            },
            Wait, "top's table counts every request", ct, () => string.Join('\n', screen));
        var trafficToTable = TimeProvider.System.GetElapsedTime(trafficStarted);
        output.WriteLine(string.Join('\n', screen));

        Assert.Contains(screen, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["Source", "Destination", "Method", "Path", "Count", "Best", "Worst", "Last", "Success", "Rate"]);
        Assert.Equal(["client-0", "backend-0", "GET", "/fast", "10"], rows["/fast"][..5]);
        Assert.Equal(["client-0", "backend-0", "GET", "/slow", "3"], rows["/slow"][..5]);
        Assert.Equal(["client-0", "broken-0", "GET", "/fail", "4"], rows["/fail"][..5]);
        Assert.Equal(["client-0", "backend-0", "GET", "/mixed", "8"], rows["/mixed"][..5]);
        Assert.Equal(("100.00%", "100.00%", "0.00%", "75.00%"), (rows["/fast"][8], rows["/slow"][8], rows["/fail"][8], rows["/mixed"][8]));

        // Busiest first, as Linkerd's top sorts.
        Assert.Equal(["/fast", "/mixed", "/fail", "/slow"], table.Select(r => r[3]));

        foreach (var path in sent.Keys)
        {
            var (best, worst, last) = (Micros(rows[path][5]), Micros(rows[path][6]), Micros(rows[path][7]));
            Assert.True(best <= last && last <= worst, $"{path}: best {best}µs ≤ last {last}µs ≤ worst {worst}µs");

            // Every request began after the traffic started and was shown before the table was complete.
            Assert.True(worst <= (long)trafficToTable.TotalMicroseconds, $"{path}: worst {worst}µs, traffic to table {trafficToTable}");
        }

        // The app held every /slow answer 300 ms: no proxy saw one quicker, so best, last and worst are all at least that.
        Assert.True(Micros(rows["/slow"][5]) >= 300_000, $"/slow best {rows["/slow"][5]}");

        // Ctrl-C ends it, successfully, as a person stops it, and the last table stays on the screen.
        await terminal.SendKeysAsync("C-c", ct);
        string? end = null;
        await Eventually.UntilAsync(async () => (end = await terminal.EndAsync(ct)) is not null, Wait, "top exits on Ctrl-C", ct);
        // Never killed by the signal (the runtime's default would be "signal 2"); status 0 whenever tmux reports one.
        Assert.Contains(end, (string[])["status 0", "exited"]);
        Assert.Contains(await terminal.ScreenAsync(ct), l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, _, "GET", "/slow", "3", ..]);
    }

    // A client, a backend (one replica) behind the two routes, and a broken workload that answers 500 to everything.
    private static async Task<(MeshClient Client, string Backend, string Broken)> StartMeshAsync(Mesh mesh, CancellationToken ct)
    {
        await MeshClient.ApplyFileAsync(mesh, Manifests.Join(
            TrafficApp.Service("backend", "{ app: backend }"),
            TrafficApp.Service("broken", "{ app: broken }"),
            TrafficApp.Workload("client", 1, "{ app: client }", "0", "client"),
            TrafficApp.Workload("backend", 1, "{ app: backend }", "1", "backend"),
            TrafficApp.Workload("broken", 1, "{ app: broken }", "1", "broken", failPercent: 100),
            Routes), ct);
        var instances = await mesh.WaitForInstancesAsync(3, ct);
        var client = new MeshClient(instances.Single(i => i.Workload == "client").Address);

        // Every proxy on the config with both routes: the first request already goes the way the test expects.
        await mesh.WaitForConfigAsync(instances.Select(i => i.Address), await mesh.RevisionAsync(ct), Wait, ct);
        return (client, instances.Single(i => i.Workload == "backend").Address, instances.Single(i => i.Workload == "broken").Address);
    }

    // The tap is in effect on the client's proxy (it counts the taps it holds): requests sent now are seen.
    private static Task WaitTapActiveAsync(MeshClient client, int taps, Linnet.Testing.TestProcess? cli, CancellationToken ct) =>
        Eventually.UntilAsync(async () => (await client.MetricsAsync(ct)).Sum("tap_active") == taps, Wait, "the tap in effect on the client's proxy", ct, () => cli?.Output ?? "");

    // Top's data rows by path: Source Destination Method Path Count Best Worst Last Success-Rate.
    private static List<string[]> Rows(string[] screen) =>
        [.. screen.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(c => c.Length == 9 && c[2] == "GET" && c[8].EndsWith('%'))];

    // Linkerd's (Go's) durations as top prints them: 850µs, 12ms, 1.5s.
    private static long Micros(string text) =>
        text.EndsWith("µs", StringComparison.Ordinal) ? long.Parse(text[..^2], CultureInfo.InvariantCulture)
        : text.EndsWith("ms", StringComparison.Ordinal) ? long.Parse(text[..^2], CultureInfo.InvariantCulture) * 1000
        : text.EndsWith('s') ? (long)(double.Parse(text[..^1], CultureInfo.InvariantCulture) * 1_000_000)
        : throw new FormatException($"not a duration: {text}");
}
