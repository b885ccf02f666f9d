using System.Text.Json.Nodes;
using Linnet.EndToEnd.Tests.Infrastructure;
using Linnet.Testing;
using static Linnet.EndToEnd.Tests.Infrastructure.CanaryMesh;

namespace Linnet.EndToEnd.Tests;

/// <summary>Flagger's <c>analysis.sessionAffinity</c> with real processes and real traffic (expected behaviour from
/// Flagger's docs, usage/deployment-strategies.md "Canary Release with Session Affinity"): a response the canary
/// served sets <c>flagger-cookie=…; Max-Age=21600</c>, a client that got it reaches the canary at every weight step,
/// a client without it is split by weight, and once the run is over the cookie is expired (<c>Max-Age=-1</c>).</summary>
public sealed class CanarySessionAffinityTests(ITestOutputHelper output)
{
    private const string Affinity = """
            interval: 4s
            rollbackWindow: 0s
            threshold: 100
            maxWeight: 60
            stepWeight: 20
            sessionAffinity:
              cookieName: flagger-cookie
              maxAge: 21600
            metrics:
              - name: request-success-rate
                thresholdRange: { min: 99 }
                interval: 6s
            webhooks:
              - name: gate
                type: confirm-traffic-increase
                url: GATE
        """;

    [Fact]
    public async Task SessionAffinity_CookieHolderOnTheCanaryAtEveryStep_OthersSplitByWeight_CookieExpiredAfterPromotion()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ["--metrics-scrape-interval", "500ms"], ct);

        // Flagger's confirm-traffic-increase gate, closed (403) but for the increases the test lets through one by one,
        // so that each weight holds while it is checked.
        await using var gate = await HookReceiver.StartAsync(ct);
        gate.Answer("gate", 403);
        gate.Queue("gate", 200);
        var client = await InitializeAsync(mesh, Canary(Affinity.Replace("GATE", gate.Url("gate").ToString(), StringComparison.Ordinal)), ct);

        // Cookie-less users, so that the analysis has traffic to judge.
        await using var load = LoadGenerator.Start([client], TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(240));
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, UseCookies = false, MaxConnectionsPerServer = 8 }) { Timeout = TimeSpan.FromSeconds(30) };
        await mesh.ApplyAsync(Backend("2"), ct);

        // As soon as the canary takes traffic: a user split onto it gets the cookie, and from then on keeps sending it
        // (every 20 ms, until the run is over), so every weight step sees that user.
        var first = await WaitForAsync(mesh, c => c["status"]?["canaryWeight"]?.GetValue<int>() > 0, "the canary taking traffic", ct);
        await mesh.WaitForConfigAsync([client], ResourceVersion(first), TimeSpan.FromSeconds(10), ct);
        string? given = null;
        for (var i = 0; i < 200 && given is null; i++)
        {
            var (version, setCookies) = await GetAsync(http, client, null, ct);
            given = version == "v2" ? Assert.Single(setCookies) : null;
        }

        Assert.NotNull(given);
        var cookie = given.Split(';')[0];
        Assert.Equal(cookie + "; Max-Age=21600", given);
        Assert.Matches("^flagger-cookie=[A-Za-z0-9]{16}$", cookie);
        var header = $"theme=dark; {cookie}; lang=en";
        using var done = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var holder = Task.Run(async () =>
        {
            var versions = new List<string>();
            while (!done.IsCancellationRequested && versions.Count < 10_000)
            {
                versions.Add((await GetAsync(http, client, header, ct)).Version);
                await Task.Delay(20, ct);
            }

            return versions;
        }, ct);

        // Held at its first weight (the gate is closed) so that the split can be counted.
        var held = first;
        var weight = held["status"]!["canaryWeight"]!.GetValue<int>();
        Assert.Equal(20, weight);
        Assert.Equal(cookie, held["status"]!["sessionAffinityCookie"]!.GetValue<string>());

        // Without the cookie: split by weight, and only the canary's answers set it.
        const int Requests = 400;
        var canaryAnswers = 0;
        for (var i = 0; i < Requests; i++)
        {
            var (version, setCookies) = await GetAsync(http, client, null, ct);
            if (version == "v2")
            {
                canaryAnswers++;
                Assert.Equal([cookie + "; Max-Age=21600"], setCookies);
            }
            else
            {
                Assert.Equal("v1", version);
                Assert.Empty(setCookies);
            }
        }

        // Binomial(400, w): ±0.1 is more than 4 standard deviations at any weight here.
        output.WriteLine($"weight {weight}: {canaryAnswers} of {Requests} on the canary");
        Assert.InRange(canaryAnswers / (double)Requests, (weight / 100.0) - 0.1, (weight / 100.0) + 0.1);

        // With the cookie (among others, as a browser sends it): the canary, every time, at this and every later step
        // (each held while it is checked).
        await AssertAllOnCanaryAsync(http, client, header, weight, ct);
        var checkedWeights = new List<int> { weight };
        while (weight < 60)
        {
            var next = weight + 20;
            gate.Queue("gate", 200);
            held = await WaitForAsync(mesh, c => c["status"]?["canaryWeight"]?.GetValue<int>() == next, $"canary weight {next}", ct);
            weight = next;
            Assert.Equal(cookie, held["status"]!["sessionAffinityCookie"]!.GetValue<string>());
            await mesh.WaitForConfigAsync([client], ResourceVersion(held), TimeSpan.FromSeconds(10), ct);
            await AssertAllOnCanaryAsync(http, client, header, weight, ct);
            checkedWeights.Add(weight);
        }

        Assert.Equal([20, 40, 60], checkedWeights);

        // Linnet asks the gate at maxWeight too, before promoting.
        gate.Queue("gate", 200);

        // Promoted: whoever still carries the cookie is told to drop it; nobody else gets a Set-Cookie.
        var succeeded = await WaitForPhaseAsync(mesh, "Succeeded", ct);

        // The cookie holder reached v2 every time through the run (the promoted primary runs v2 too).
        await done.CancelAsync();
        var holderVersions = await holder;
        output.WriteLine($"the cookie holder sent {holderVersions.Count} requests through the run");
        Assert.True(holderVersions.Count > 100, $"{holderVersions.Count} requests");
        Assert.All(holderVersions, v => Assert.Equal("v2", v));
        Assert.Equal(cookie, succeeded["status"]!["previousSessionAffinityCookie"]!.GetValue<string>());
        Assert.Null(succeeded["status"]!["sessionAffinityCookie"]);
        await mesh.WaitForConfigAsync([client], ResourceVersion(succeeded), TimeSpan.FromSeconds(10), ct);
        for (var i = 0; i < 20; i++)
        {
            var (version, setCookies) = await GetAsync(http, client, header, ct);
            Assert.Equal("v2", version);
            Assert.Equal([cookie + "; Max-Age=-1"], setCookies);
            var (plainVersion, plainCookies) = await GetAsync(http, client, "theme=dark", ct);
            Assert.Equal("v2", plainVersion);
            Assert.Empty(plainCookies);
        }

        output.WriteLine(string.Join('\n', Messages(succeeded)));
        await load.StopAsync();
        await mesh.DownAsync(ct);
    }

    private async Task AssertAllOnCanaryAsync(HttpClient http, string client, string cookieHeader, int weight, CancellationToken ct)
    {
        var versions = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            versions.Add((await GetAsync(http, client, cookieHeader, ct)).Version);
        }

        output.WriteLine($"with the cookie at weight {weight}: {string.Join(' ', versions)}");
        Assert.All(versions, v => Assert.Equal("v2", v));
    }

    private static async Task<(string Version, List<string> SetCookies)> GetAsync(HttpClient http, string client, string? cookieHeader, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://{client}:4140/affinity"));
        request.Headers.Host = "backend";
        if (cookieHeader is not null)
        {
            request.Headers.Add("Cookie", cookieHeader);
        }

        using var response = await http.SendAsync(request, ct);
        var words = (await response.Content.ReadAsStringAsync(ct)).Trim().Split(' ');
        var version = (int)response.StatusCode == 200 && words.Length == 3 ? words[2] : $"status {(int)response.StatusCode}";
        return (version, response.Headers.TryGetValues("Set-Cookie", out var values) ? [.. values] : []);
    }
}
