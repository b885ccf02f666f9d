using System.Text.Json.Nodes;
using Linnet.EndToEnd.Tests.Infrastructure;
using static Linnet.EndToEnd.Tests.Infrastructure.CanaryMesh;

namespace Linnet.EndToEnd.Tests;

/// <summary>Flagger's strategies with real traffic: a revision answering 100 ms slower is rolled back on
/// request-duration; an A/B test sends exactly the requests that match its headers or cookie to the canary; a
/// blue/green release runs its iterations with no user traffic on the canary, then switches.</summary>
public sealed class CanaryStrategyTrafficTests(ITestOutputHelper output)
{
    private static readonly TimeSpan LoadInterval = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxLoad = TimeSpan.FromSeconds(240);

    private static string Canary(string strategy, string metric) => CanaryMesh.Canary($$"""
            interval: 2s
            rollbackWindow: 0s
        {{strategy}}
            metrics:
        {{metric}}

        """);

    private const string SuccessRate = "      - name: request-success-rate\n        thresholdRange: { min: 99 }\n        interval: 4s";

    [Fact]
    public async Task SlowerRevision_100MsMore_RolledBackOnRequestDuration()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ["--metrics-scrape-interval", "500ms"], ct);
        var client = await InitializeAsync(mesh, Canary("    threshold: 2\n    maxWeight: 50\n    stepWeight: 25", "      - name: request-duration\n        thresholdRange: { max: 100 }\n        interval: 4s"), ct);
        await using var load = LoadGenerator.Start([client], LoadInterval, MaxLoad);

        await mesh.ApplyAsync(Backend("2", delayMs: 100), ct);
        var failed = await WaitForAsync(mesh, c => Phase(c) == "Failed", "the slow canary rolled back", ct);
        output.WriteLine(string.Join('\n', Messages(failed)));

        // Every answer of v2 took at least 100 ms, so its p99 (Linkerd's buckets) is above the 100 ms bound.
        var duration = failed["status"]!["metrics"]!.AsArray().Single()!;
        Assert.False(duration["passed"]!.GetValue<bool>());
        Assert.True(duration["value"]!.GetValue<double>() > 100, duration.ToJsonString());
        Assert.Contains(Messages(failed), m => m.StartsWith("Halt backend.default advancement request duration ", StringComparison.Ordinal) && m.EndsWith("ms > 100ms", StringComparison.Ordinal));
        Assert.Equal(2, failed["status"]!["failedChecks"]!.GetValue<int>());
        Assert.Equal(0, failed["status"]!["canaryWeight"]!.GetValue<int>());
        Assert.Contains(load.Records, r => r.Version == "v2");
        await load.StopAsync();
        await mesh.DownAsync(ct);
    }

    [Fact]
    public async Task ABTest_HeaderAndCookieMatches_ExactlyTheMatchingRequestsReachTheCanary()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ["--metrics-scrape-interval", "500ms"], ct);

        // Flagger's A/B example (docs/gitbook/usage/deployment-strategies.md); many iterations and a high threshold
        // keep the test inside the analysis.
        var client = await InitializeAsync(mesh, Canary("""
                threshold: 100
                iterations: 100
                match:
                  - headers:
                      x-canary:
                        regex: ".*insider.*"
                  - headers:
                      cookie:
                        regex: "^(.*?;)?(canary=always)(;.*)?$"
            """, SuccessRate), ct);
        await mesh.ApplyAsync(Backend("2"), ct);
        var started = await WaitForAsync(mesh, c => c["status"]?["iterations"]?.GetValue<int>() >= 1, "the A/B test running", ct);
        await mesh.WaitForConfigAsync([client], ResourceVersion(started), TimeSpan.FromSeconds(10), ct);
        await mesh.WaitForInstancesAsync(3, ct);

        using var mesher = new MeshClient(client);
        async Task<List<string?>> SendAsync(string? header, string? cookie)
        {
            var versions = new List<string?>();
            for (var i = 0; i < 40; i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://{client}:4140/ab"));
                request.Headers.Host = "backend";
                if (header is not null)
                {
                    request.Headers.Add("x-canary", header);
                }

                if (cookie is not null)
                {
                    request.Headers.Add("Cookie", cookie);
                }

                using var response = await mesher.Http.SendAsync(request, ct);
                var words = (await response.Content.ReadAsStringAsync(ct)).Trim().Split(' ');
                versions.Add((int)response.StatusCode == 200 && words.Length == 3 ? words[2] : $"status {(int)response.StatusCode}");
            }

            return versions;
        }

        Assert.All(await SendAsync("insider", null), v => Assert.Equal("v2", v));
        Assert.All(await SendAsync("an-insider-too", null), v => Assert.Equal("v2", v));
        // Flagger's cookie regex wants canary=always first, or right after a ';' with no space.
        Assert.All(await SendAsync(null, "canary=always; theme=dark"), v => Assert.Equal("v2", v));
        Assert.All(await SendAsync(null, "theme=dark;canary=always"), v => Assert.Equal("v2", v));
        Assert.All(await SendAsync("outsider", null), v => Assert.Equal("v1", v));
        Assert.All(await SendAsync(null, "canary=never"), v => Assert.Equal("v1", v));
        Assert.All(await SendAsync(null, null), v => Assert.Equal("v1", v));
        await mesh.DownAsync(ct);
    }

    [Fact]
    public async Task BlueGreen_ThreeIterations_NoUserTrafficOnTheCanaryUntilTheSwitch()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ["--metrics-scrape-interval", "500ms"], ct);
        var client = await InitializeAsync(mesh, Canary("    threshold: 3\n    iterations: 3", SuccessRate), ct);
        await using var users = LoadGenerator.Start([client], LoadInterval, MaxLoad);

        // As Flagger's load tester does for blue/green: traffic straight to the canary's Service, for its analysis.
        await using var tester = LoadGenerator.Start([client], TimeSpan.FromMilliseconds(20), MaxLoad, host: "backend-canary");
        await mesh.ApplyAsync(Backend("2"), ct);
        await WaitForAsync(mesh, c => c["status"]?["iterations"]?.GetValue<int>() == 3 && c["status"]?["canaryWeight"]?.GetValue<int>() == 0, "three iterations at weight 0", ct);
        var beforeSwitch = TimeProvider.System.GetTimestamp();
        var succeeded = await WaitForAsync(mesh, c => Phase(c) == "Succeeded", "the switch", ct);
        var messages = Messages(succeeded);
        output.WriteLine(string.Join('\n', messages));
        Assert.Equal(
            ["Advance backend.default canary iteration 1/3", "Advance backend.default canary iteration 2/3", "Advance backend.default canary iteration 3/3", "Routing all traffic to canary", "Copying backend.default template spec to backend-primary.default"],
            messages.Where(m => m.StartsWith("Advance", StringComparison.Ordinal) || m.StartsWith("Routing all traffic to canary", StringComparison.Ordinal) || m.StartsWith("Copying", StringComparison.Ordinal)));

        var switchedAt = TimeProvider.System.GetTimestamp();
        await Eventually.UntilAsync(() => users.Records.Count(r => r.StartedAt > switchedAt) >= 100, TimeSpan.FromSeconds(30), "user load after the switch", ct);
        var records = await users.StopAsync();
        Assert.All(records.Where(r => r.StartedAt < beforeSwitch && r.Succeeded), r => Assert.Equal("v1", r.Version));
        Assert.All(records.Where(r => r.StartedAt > switchedAt), r => Assert.Equal("v2", r.Version));
        Assert.Contains(tester.Records, r => r.Version == "v2" && r.StartedAt < beforeSwitch);
        await tester.StopAsync();
        await mesh.DownAsync(ct);
    }

}
