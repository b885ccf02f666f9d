using Linnet.EndToEnd.Tests.Infrastructure;

namespace Linnet.EndToEnd.Tests;

/// <summary>The data path does not depend on the control plane being up, and a control plane started again
/// on the same data directory takes the mesh back.</summary>
public sealed class ControlPlaneKillTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan MaxLoad = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ControlPlaneKilled_UnderSteadyLoad_ZeroFailedAndResync()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ct);
        await mesh.ApplyAsync(Manifests.VersionedBackends(v1Replicas: 1, v2Replicas: 1, v1Weight: 100, v2Weight: 0), ct);
        var instances = await mesh.WaitForInstancesAsync(2, ct);
        var proxies = instances.Select(i => i.Address).ToList();
        var orphans = ProcessScan.Using(mesh.DataDirectory).Select(p => p.Pid).Where(p => p != mesh.ControlPlane.Id).ToList();
        Assert.Equal(4, orphans.Count);

        // Down: the proxies keep serving on their last config.
        IReadOnlyList<RequestRecord> whileDown;
        await using (var load = LoadGenerator.Start(proxies, Interval, MaxLoad))
        {
            await Eventually.UntilAsync(() => proxies.All(p => load.Records.Count(r => r.Proxy == p) >= 10), Mesh.InstancesTimeout, "load through every proxy", ct);
            var lastRevision = await mesh.RevisionAsync(ct);
            await mesh.KillControlPlaneAsync(ct);
            var killedAt = TimeProvider.System.GetTimestamp();
            await Eventually.UntilAsync(() => proxies.All(p => load.Records.Count(r => r.Proxy == p && r.StartedAt > killedAt) >= 50), Mesh.InstancesTimeout, "load while the control plane is down", ct);
            whileDown = await load.StopAsync();
            LoadAssert.NoneFailed(whileDown);
            Assert.All(whileDown, r => Assert.Equal("v1", r.Version));
            Assert.All(orphans, pid => Assert.True(ProcessScan.IsAlive(pid), $"pid {pid} did not outlive the control plane"));

            // Up again: it stops what the killed one left running, then starts every instance afresh on its address.
            await mesh.StartControlPlaneAsync(ct);
            await Eventually.UntilAsync(() => !orphans.Exists(ProcessScan.IsAlive), Mesh.InstancesTimeout, "the orphaned processes stopped", ct, mesh.ControlPlaneTail);
            var restarted = await mesh.WaitForInstancesAsync(2, ct, i => i.ResourceVersion > lastRevision);
            Assert.Equal(instances.Select(i => (i.Name, i.Address)).Order(), restarted.Select(i => (i.Name, i.Address)).Order());
        }

        CliResult? check = null;
        await Eventually.UntilAsync(async () => (check = await mesh.RunCliAsync(ct, "check")).ExitCode == 0, Mesh.InstancesTimeout, "linnet check passes", ct, () => check?.Output ?? "");
        Assert.Contains("2 instances", check!.Output, StringComparison.Ordinal); // exit 0 above: every app ready, every proxy connected and current

        // And it is followed: a route change after the restart reaches every proxy.
        await using var after = LoadGenerator.Start(proxies, Interval, MaxLoad);
        await Eventually.UntilAsync(() => proxies.All(p => after.Records.Count(r => r.Proxy == p) >= 10), Mesh.InstancesTimeout, "load after the restart", ct);
        var revision = await mesh.ApplyAsync(Manifests.Split(v1Weight: 0, v2Weight: 100), ct);
        await mesh.WaitForConfigAsync(proxies, revision, TimeSpan.FromSeconds(10), ct);
        var syncedAt = TimeProvider.System.GetTimestamp();
        await Eventually.UntilAsync(() => proxies.All(p => after.Records.Count(r => r.Proxy == p && r.StartedAt > syncedAt) >= 10), Mesh.InstancesTimeout, "load after the route change", ct);
        var records = await after.StopAsync();

        output.WriteLine($"{whileDown.Count} requests around the kill, {records.Count} after the restart");
        LoadAssert.NoneFailed(records);
        Assert.All(records.Where(r => r.StartedAt > syncedAt), r => Assert.True(r.Version == "v2", $"after the route change: {r}"));
        await mesh.DownAsync(ct);
    }
}
