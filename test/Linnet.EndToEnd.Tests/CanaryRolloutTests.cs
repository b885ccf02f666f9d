using System.Text.Json.Nodes;
using Linnet.EndToEnd.Tests.Infrastructure;
using static Linnet.EndToEnd.Tests.Infrastructure.CanaryMesh;

namespace Linnet.EndToEnd.Tests;

/// <summary>Flagger's canary analysis through the real control plane, real proxies and real traffic: a good
/// revision is promoted through its weight steps; one failing 10 % of its requests is rolled back after
/// <c>threshold</c> failed checks with the weight back at 0; a control plane killed mid-rollout resumes from the
/// stored status with no step repeated or skipped.</summary>
public sealed class CanaryRolloutTests(ITestOutputHelper output)
{
    private static readonly TimeSpan LoadInterval = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxLoad = TimeSpan.FromSeconds(240);

    // Flagger's shape, fast: a step every 2 s, 25 % per step up to 50 %, three failed checks roll back.
    private static readonly string Canary = CanaryMesh.Canary("""
            interval: 2s
            threshold: 3
            maxWeight: 50
            stepWeight: 25
            metrics:
              - name: request-success-rate
                thresholdRange: { min: 99 }
                interval: 4s
              - name: request-duration
                thresholdRange: { max: 1000 }
                interval: 4s

        """);

    // A control plane started again restarts every instance (universal mode), so the first responses of the
    // restarted apps are cold: the resume test checks the success rate only, which a cold start does not change.
    private static readonly string CanarySuccessRateOnly = Canary[..Canary.IndexOf("      - name: request-duration", StringComparison.Ordinal)];

    [Fact]
    public async Task GoodThenBadRevision_UnderLoad_GoodPromotedThroughStepsBadRolledBackToZero()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ["--metrics-scrape-interval", "500ms"], ct);
        var client = await InitializeAsync(mesh, ct);
        await using var load = LoadGenerator.Start([client], LoadInterval, MaxLoad);

        // v2: promoted through 25 and 50 %.
        await mesh.ApplyAsync(Backend("2"), ct);
        var succeeded = await WaitForPhaseAsync(mesh, "Succeeded", ct);
        var messages = Messages(succeeded);
        output.WriteLine(string.Join('\n', messages));
        Assert.Equal(
            ["New revision detected! Scaling up backend.default", "Starting canary analysis for backend.default", "Advance backend.default canary weight 25", "Advance backend.default canary weight 50", "Copying backend.default template spec to backend-primary.default", "Routing all traffic to primary", "Promotion completed! Scaling down backend.default"],
            Messages(succeeded, "Normal").SkipWhile(m => !m.StartsWith("New revision", StringComparison.Ordinal))
                .Where(m => !m.StartsWith("Keeping ", StringComparison.Ordinal))); // warm rollback's own events: CanaryOperationsTests
        Assert.Equal("2", Version(await mesh.ResourceAsync("Workload", "backend-primary", ct)));

        // The route back to the primary reaches the client's proxy with a config push of its own: wait for the primary to answer v2.
        await Eventually.UntilAsync(() => load.Records.Any(r => r.Version == "v2" && r.Backend?.StartsWith("backend-primary", StringComparison.Ordinal) == true), TimeSpan.FromSeconds(30), "v2 served by backend-primary", ct);

        // v3 fails 10 % of its requests: three failed checks, then all traffic back on the primary (v2).
        await mesh.ApplyAsync(Backend("3", failPercent: 10), ct);
        var failed = await WaitForPhaseAsync(mesh, "Failed", ct);
        output.WriteLine(string.Join('\n', Messages(failed)));
        var status = failed["status"]!;
        Assert.Equal(3, status["failedChecks"]!.GetValue<int>());
        Assert.Equal(0, status["canaryWeight"]!.GetValue<int>());
        Assert.Equal("False", status["conditions"]![0]!["status"]!.GetValue<string>());
        var rate = status["metrics"]!.AsArray().Single(m => m!["name"]!.GetValue<string>() == "request-success-rate")!;
        Assert.False(rate["passed"]!.GetValue<bool>());
        Assert.True(rate["value"]!.GetValue<double>() < 99, rate.ToJsonString());
        Assert.Contains(load.Records, r => r.Version == "v3");
        Assert.Contains(load.Records, r => r.Status == 500);
        Assert.Equal(0, (await mesh.ResourceAsync("Workload", "backend", ct))["spec"]!["replicas"]!.GetValue<int>());
        var route = await mesh.ResourceAsync("HTTPRoute", "backend", ct);
        Assert.Equal([100, 0], route["spec"]!["rules"]![0]!["backendRefs"]!.AsArray().Select(b => b!["weight"]!.GetValue<int>()));

        // Once the rollback reached the client's proxy, every request is answered by v2.
        await mesh.WaitForConfigAsync([client], long.Parse(failed["metadata"]!["resourceVersion"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture), TimeSpan.FromSeconds(10), ct);
        var after = TimeProvider.System.GetTimestamp();
        await Eventually.UntilAsync(() => load.Records.Count(r => r.StartedAt > after) >= 200, TimeSpan.FromSeconds(30), "load after the rollback", ct);
        var records = await load.StopAsync();
        var late = records.Where(r => r.StartedAt > after).ToList();
        LoadAssert.NoneFailed(late);
        Assert.All(late, r => Assert.Equal("v2", r.Version));
        await mesh.DownAsync(ct);
    }

    [Fact]
    public async Task ControlPlaneKilledMidRollout_Restarted_ResumesWithNoStepRepeatedOrSkipped()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ["--metrics-scrape-interval", "500ms"], ct);
        var client = await InitializeAsync(mesh, ct, CanarySuccessRateOnly);
        await using var load = LoadGenerator.Start([client], LoadInterval, MaxLoad);
        await mesh.ApplyAsync(Backend("2"), ct);
        await Eventually.UntilAsync(
            async () => (await mesh.ResourceAsync("Canary", "backend", ct))["status"]?["canaryWeight"]?.GetValue<int>() == 25,
            RolloutTimeout,
            "the canary at 25 %",
            ct,
            mesh.ControlPlaneTail);

        await mesh.KillControlPlaneAsync(ct);
        await mesh.StartControlPlaneAsync(ct);

        var succeeded = await WaitForPhaseAsync(mesh, "Succeeded", ct);
        var messages = Messages(succeeded);
        output.WriteLine(string.Join('\n', messages));
        Assert.Single(messages, m => m == "Advance backend.default canary weight 25");
        Assert.Single(messages, m => m == "Advance backend.default canary weight 50");
        Assert.Single(messages, m => m.StartsWith("Copying backend.default", StringComparison.Ordinal));
        Assert.True(
            messages.IndexOf("Advance backend.default canary weight 25") < messages.IndexOf("Advance backend.default canary weight 50"),
            string.Join('\n', messages));
        Assert.Equal("2", Version(await mesh.ResourceAsync("Workload", "backend-primary", ct)));
        await load.StopAsync();
        await mesh.DownAsync(ct);
    }

    // A client, backend v1 and the canary; returns the client's address once the primary serves and the
    // target is scaled to zero.
    private async Task<string> InitializeAsync(Mesh mesh, CancellationToken ct, string? canary = null)
    {
        var client = await CanaryMesh.InitializeAsync(mesh, canary ?? Canary, ct);
        Assert.Equal(0, (await mesh.ResourceAsync("Workload", "backend", ct))["spec"]!["replicas"]!.GetValue<int>());
        Assert.Equal(["backend", "backend-canary", "backend-primary"], (await mesh.NamesAsync("Service", ct)).Order(StringComparer.Ordinal));
        output.WriteLine(string.Join('\n', Messages(await mesh.ResourceAsync("Canary", "backend", ct))));
        Assert.Equal(["backend-primary", "client"], (await mesh.InstancesAsync(ct)).Instances.Select(i => i.Workload).Order(StringComparer.Ordinal));
        return client;
    }

}
