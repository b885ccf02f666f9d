using System.Net;
using System.Text.Json.Nodes;
using Linnet.EndToEnd.Tests.Infrastructure;

namespace Linnet.EndToEnd.Tests;

/// <summary><c>revertOnDeletion: true</c> through the real control plane, CLI, proxies and traffic: <c>linnet delete
/// canary</c> gives the target its traffic back (scaled to the primary's replicas, the apex Service selecting it once
/// it is ready) and then removes the primary, its services, the route and the Canary, with no request failing.</summary>
public sealed class CanaryDeletionTests(ITestOutputHelper output)
{
    private static readonly TimeSpan LoadInterval = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxLoad = TimeSpan.FromSeconds(300);

    private static readonly string Canary = CanaryMesh.Canary("""
            interval: 2s
            threshold: 2
            maxWeight: 50
            stepWeight: 50
            rollbackWindow: 0s
            metrics:
              - name: request-success-rate
                thresholdRange: { min: 99 }
                interval: 4s

        """, spec: "  revertOnDeletion: true\n");

    [Fact]
    public async Task Delete_RevertOnDeletion_TargetServesAgainObjectsRemovedNoRequestFailed()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ["--metrics-scrape-interval", "500ms"], ct);
        await mesh.ApplyAsync(Manifests.Join(CanaryMesh.Client, CanaryMesh.Backend("1", replicas: 2), Canary), ct);
        await CanaryMesh.WaitForPhaseAsync(mesh, "Initialized", ct);
        var instances = await mesh.WaitForInstancesAsync(3, ct);
        Assert.Equal(["backend-primary", "backend-primary", "client"], instances.Select(i => i.Workload).Order(StringComparer.Ordinal));
        var client = instances.Single(i => i.Workload == "client").Address;
        await using var load = LoadGenerator.Start([client], LoadInterval, MaxLoad);
        await Eventually.UntilAsync(() => load.Records.Count(r => r.Backend?.StartsWith("backend-primary", StringComparison.Ordinal) == true) >= 50, TimeSpan.FromSeconds(30), "the primary serving", ct);

        var deletedAt = TimeProvider.System.GetTimestamp();
        var deleted = await mesh.RunCliAsync(ct, "delete", "canary", "backend");
        Assert.True(deleted.ExitCode == 0, deleted.Output);
        Assert.Contains("Canary default/backend terminating: Terminating canary backend.default (deleted by admin, revertOnDeletion)", deleted.Output, StringComparison.Ordinal);

        // Flagger's finalizer: target scaled to the primary's 2 replicas, the apex moved once they are ready, then
        // the primary and everything the canary made removed, the Canary last.
        await Eventually.UntilAsync(async () => await mesh.GetStatusAsync("Canary", "backend", ct) == HttpStatusCode.NotFound, CanaryMesh.RolloutTimeout, "the Canary removed", ct, mesh.ControlPlaneTail);
        var target = await mesh.ResourceAsync("Workload", "backend", ct);
        Assert.Equal(2, target["spec"]!["replicas"]!.GetValue<int>());
        var apex = await mesh.ResourceAsync("Service", "backend", ct);
        Assert.Equal("backend", apex["spec"]!["selector"]!["app"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, await mesh.GetStatusAsync("HTTPRoute", "backend", ct));
        Assert.Equal(HttpStatusCode.NotFound, await mesh.GetStatusAsync("Workload", "backend-primary", ct));
        Assert.Equal(HttpStatusCode.NotFound, await mesh.GetStatusAsync("Service", "backend-primary", ct));
        Assert.Equal(HttpStatusCode.NotFound, await mesh.GetStatusAsync("Service", "backend-canary", ct));

        // The target's instances take every request from now on, and none failed on the way.
        await mesh.WaitForInstancesAsync(3, ct);
        var settledAt = TimeProvider.System.GetTimestamp();
        await Eventually.UntilAsync(() => load.Records.Count(r => r.StartedAt > settledAt) >= 100, TimeSpan.FromSeconds(30), "load after the revert", ct);
        var records = await load.StopAsync();
        LoadAssert.NoneFailed([.. records.Where(r => r.StartedAt > deletedAt)]);
        var after = records.Where(r => r.StartedAt > settledAt).ToList();
        Assert.True(after.All(r => r.Backend?.StartsWith("backend-", StringComparison.Ordinal) == true && !r.Backend.StartsWith("backend-primary", StringComparison.Ordinal)), string.Join('\n', after.Take(20)));
        await mesh.DownAsync(ct);
    }
}
