using Linnet.EndToEnd.Tests.Infrastructure;

namespace Linnet.EndToEnd.Tests;

/// <summary>A route change reaches every proxy of the mesh quickly and is then obeyed, under load.</summary>
public sealed class RouteChangeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan MaxLoad = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Propagation = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task RouteChange_UnderLoad_EveryProxyFollowsWithinOneSecond()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ct);
        await mesh.ApplyAsync(Manifests.VersionedBackends(v1Replicas: 2, v2Replicas: 1, v1Weight: 100, v2Weight: 0), ct);
        var proxies = (await mesh.WaitForInstancesAsync(3, ct)).Select(i => i.Address).ToList();

        await using var load = LoadGenerator.Start(proxies, Interval, MaxLoad);
        await Eventually.UntilAsync(() => proxies.All(p => load.Records.Count(r => r.Proxy == p) >= 20), Mesh.InstancesTimeout, "load through every proxy", ct);
        var applyStarted = TimeProvider.System.GetTimestamp();
        var revision = await mesh.ApplyAsync(Manifests.Split(v1Weight: 0, v2Weight: 100), ct);
        var applied = TimeProvider.System.GetTimestamp();
        var synced = await Task.WhenAll(proxies.Select(p => SyncedAtAsync(mesh, p, revision, ct)));
        var allSynced = synced.Max();
        await Eventually.UntilAsync(() => proxies.All(p => load.Records.Count(r => r.Proxy == p && r.StartedAt > allSynced) >= 25), Mesh.InstancesTimeout, "load after the change", ct);
        var records = await load.StopAsync();

        var delays = synced.Select(t => TimeProvider.System.GetElapsedTime(applied, t)).ToList();
        output.WriteLine($"revision {revision}: proxies on it after {string.Join(", ", delays.Select(d => $"{d.TotalMilliseconds:F0} ms"))}; {records.Count} requests");
        LoadAssert.NoneFailed(records);
        var before = records.Where(r => r.EndedAt < applyStarted).ToList();
        Assert.NotEmpty(before);
        Assert.All(before, r => Assert.Equal("v1", r.Version));
        Assert.All(delays, d => Assert.True(d <= Propagation, $"a proxy applied the route {d.TotalMilliseconds:F0} ms after the apply answered"));
        var after = records.Where(r => r.StartedAt > allSynced).ToList();
        Assert.All(after, r => Assert.True(r.Version == "v2", $"after every proxy was on {revision}: {r}"));
        await mesh.DownAsync(ct);
    }

    /// <summary>The moment the proxy at <paramref name="address"/> reports <paramref name="revision"/> or later,
    /// asking every 20 ms.</summary>
    private static async Task<long> SyncedAtAsync(Mesh mesh, string address, long revision, CancellationToken ct)
    {
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        var started = TimeProvider.System.GetTimestamp();
        while (await mesh.ConfigVersionAsync(address, ct) is not { } version || version < revision)
        {
            if (TimeProvider.System.GetElapsedTime(started) > TimeSpan.FromSeconds(15))
            {
                throw new TimeoutException($"the proxy at {address} did not apply revision {revision}");
            }

            await poll.WaitForNextTickAsync(ct);
        }

        return TimeProvider.System.GetTimestamp();
    }
}
