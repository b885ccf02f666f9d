using System.Diagnostics;
using System.Net;
using Linnet.EndToEnd.Tests.Infrastructure;
using Linnet.Testing;
using static Linnet.EndToEnd.Tests.Infrastructure.CanaryMesh;

namespace Linnet.EndToEnd.Tests;

/// <summary>A Canary's <c>service</c> route settings with real processes and real traffic, as Flagger's gatewayapi
/// router makes them work (every rule of the apex HTTPRoute carries them): <c>service.match</c> restricts the requests
/// the route serves (Gateway API answers the others 404), <c>service.headers</c> reach the app (request) and the client
/// (response) on both sides of the split, <c>service.rewrite.authority</c> is the Host the app sees, and
/// <c>service.timeout</c> answers a slow request 504.</summary>
public sealed class CanaryServiceRouteTests(ITestOutputHelper output)
{
    private const string Analysis = """
            interval: 3s
            rollbackWindow: 0s
            maxWeight: 50
            stepWeight: 50
            webhooks:
              - name: gate
                type: confirm-traffic-increase
                url: GATE
        """;

    private const string Service = """
          service:
            port: 80
            targetPort: 8080
            timeout: 1s
            match:
              - uri: { prefix: /api }
              - uri: { prefix: /slow }
            headers:
              request:
                set: { x-canary-route: linnet }
              response:
                add: { x-served-through: canary-route }
            rewrite: { authority: backend.internal }

        """;

    [Fact]
    public async Task ServiceRoute_MatchHeadersRewriteAndTimeout_HonouredOnTheApexRouteBeforeAndDuringTheRelease()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, [], ct);

        // Flagger's confirm-traffic-increase gate: the one increase (to 50 %) goes through, then the weight holds.
        await using var gate = await HookReceiver.StartAsync(ct);
        gate.Answer("gate", 403);
        gate.Queue("gate", 200);

        // CanaryMesh.Canary writes its own service line; this one replaces it.
        var canary = Canary(Analysis.Replace("GATE", gate.Url("gate").ToString(), StringComparison.Ordinal))
            .Replace("  service: { port: 80, targetPort: 8080 }\n", Service, StringComparison.Ordinal);
        Assert.Contains("timeout: 1s", canary, StringComparison.Ordinal);
        var client = await InitializeAsync(mesh, canary, ct);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 8 }) { Timeout = TimeSpan.FromSeconds(30) };

        // All traffic on the primary (v1).
        await AssertRouteAsync(http, client, ["v1"], ct);

        // The release, held at 50 %: both sides answer, through the same rule.
        await mesh.ApplyAsync(Backend("2"), ct);
        var held = await WaitForAsync(mesh, c => c["status"]?["canaryWeight"]?.GetValue<int>() == 50, "canary weight 50", ct);
        await mesh.WaitForConfigAsync([client], ResourceVersion(held), TimeSpan.FromSeconds(10), ct);
        await AssertRouteAsync(http, client, ["v1", "v2"], ct);

        await mesh.DownAsync(ct);
    }

    private async Task AssertRouteAsync(HttpClient http, string client, string[] versions, CancellationToken ct)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 200 && (i < 20 || !seen.SetEquals(versions)); i++)
        {
            // service.match: /api is served; the request header reached the app, the response header the client.
            using var response = await SendAsync(http, client, "/api/items?echo=x-canary-route", ct);
            var body = (await response.Content.ReadAsStringAsync(ct)).Trim();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(["linnet"], response.Headers.GetValues("x-e2e-echo"));
            Assert.Equal(["canary-route"], response.Headers.GetValues("x-served-through"));
            Assert.Equal(["backend.internal"], response.Headers.GetValues("x-e2e-host"));
            seen.Add(body.Split(' ')[^1]);
        }

        output.WriteLine($"served by {string.Join(", ", seen.Order(StringComparer.Ordinal))}");
        Assert.Equal(versions, seen.Order(StringComparer.Ordinal));

        // A request outside service.match: no rule of the route applies, Gateway API's 404.
        using (var other = await SendAsync(http, client, "/other", ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
            Assert.False(other.Headers.Contains("x-served-through"));
        }

        // service.timeout (1s): a request the app answers after 5 s is answered 504 when the timeout ends.
        var clock = Stopwatch.StartNew();
        using (var slow = await SendAsync(http, client, "/slow?ms=5000", ct))
        {
            clock.Stop();
            output.WriteLine($"slow request: {(int)slow.StatusCode} after {clock.ElapsedMilliseconds} ms");
            Assert.Equal(HttpStatusCode.GatewayTimeout, slow.StatusCode);
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(900), TimeSpan.FromMilliseconds(4500));
        }

        // A quick one on the same rule is not cut.
        using var quick = await SendAsync(http, client, "/slow?ms=50", ct);
        Assert.Equal(HttpStatusCode.OK, quick.StatusCode);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, string client, string target, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://{client}:4140{target}"));
        request.Headers.Host = "backend";
        return await http.SendAsync(request, ct);
    }
}
