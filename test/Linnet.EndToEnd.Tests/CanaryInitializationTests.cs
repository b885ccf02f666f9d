using Linnet.EndToEnd.Tests.Infrastructure;

namespace Linnet.EndToEnd.Tests;

/// <summary>A Canary applied to a workload that already serves, through the real control plane, proxies and
/// steady traffic: initialization (the primary created, the apex Service and route moved to it, the target scaled
/// to zero) loses no request, in Flagger's order: the primary is ready before traffic moves to it, and the target's
/// instances stop only after every proxy has the route to the primary.</summary>
public sealed class CanaryInitializationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan LoadInterval = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxLoad = TimeSpan.FromSeconds(240);

    [Fact]
    public async Task Initialize_UnderSteadyLoad_NoRequestFailsAndThePrimaryTakesOver()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ["--metrics-scrape-interval", "500ms"], ct);

        // What a user has before adopting Flagger: the backend and its Service, serving.
        await mesh.ApplyAsync(Manifests.Join(CanaryMesh.Client, CanaryMesh.Backend("1", replicas: 2), MeshedWorkloads.Service("backend")), ct);
        var instances = await mesh.WaitForInstancesAsync(3, ct);
        var client = instances.Single(i => i.Workload == "client").Address;
        await using var load = LoadGenerator.Start([client], LoadInterval, MaxLoad);
        await Eventually.UntilAsync(() => load.Records.Count(r => r.Succeeded) >= 50, TimeSpan.FromSeconds(30), "the backend serving", ct);

        var appliedAt = TimeProvider.System.GetTimestamp();
        await mesh.ApplyAsync(CanaryMesh.Canary("""
                interval: 2s
                threshold: 2
                maxWeight: 50
                stepWeight: 50
                metrics:
                  - name: request-success-rate
                    thresholdRange: { min: 99 }
                    interval: 4s
            """), ct);
        var initialized = await CanaryMesh.WaitForPhaseAsync(mesh, "Initialized", ct);
        output.WriteLine(string.Join('\n', CanaryMesh.Messages(initialized)));

        // The target's instances are gone and the primary's serve; then some more load, all on the primary.
        await mesh.WaitForInstancesAsync(3, ct, i => i.Workload is "client" or "backend-primary");
        var settledAt = TimeProvider.System.GetTimestamp();
        await Eventually.UntilAsync(() => load.Records.Count(r => r.StartedAt > settledAt) >= 200, TimeSpan.FromSeconds(30), "load after initialization", ct);
        var records = await load.StopAsync();

        LoadAssert.NoneFailed([.. records.Where(r => r.StartedAt > appliedAt)]);
        var after = records.Where(r => r.StartedAt > settledAt).ToList();
        Assert.True(after.All(r => r.Backend?.StartsWith("backend-primary-", StringComparison.Ordinal) == true), string.Join('\n', after.Take(20)));
        Assert.Equal(
            ["Initializing backend.default: created backend-primary; traffic moves to it once it is ready", "Routing all traffic of backend.default to backend-primary.default", "Initialization done! backend.default"],
            CanaryMesh.Messages(initialized, "Normal"));
        await mesh.DownAsync(ct);
    }
}
