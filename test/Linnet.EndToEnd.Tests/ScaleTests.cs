using Linnet.EndToEnd.Tests.Infrastructure;

namespace Linnet.EndToEnd.Tests;

/// <summary>Scaling a workload changes who serves its service, without failing a request.</summary>
public sealed class ScaleTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(15);
    private static readonly TimeSpan MaxLoad = TimeSpan.FromSeconds(240);

    [Fact]
    public async Task Scale_UpAndDown_BalancingFollows()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ct);
        var service = Manifests.Service("backend", "{ app: backend }");
        await mesh.ApplyAsync(Manifests.Join(service, Manifests.Backend("backend", 1, "{ app: backend }", "1")), ct);
        var proxy = Assert.Single(await mesh.WaitForInstancesAsync(1, ct)).Address;

        await using var load = LoadGenerator.Start([proxy], Interval, MaxLoad);
        await Eventually.UntilAsync(() => load.Records.Count >= 20, Mesh.InstancesTimeout, "load through the proxy", ct);

        // Up: the new instances get requests once ready. Peak-EWMA keeps a new instance's slow first answers (a
        // cold app's JIT) as its estimate and decays it with time: ln(peak / rtt) × 10 s until it is picked again
        // (linkerd2-proxy's decay), about 70 s for a first answer 1,000 times the steady one.
        await mesh.ApplyAsync(Manifests.Join(service, Manifests.Backend("backend", 3, "{ app: backend }", "1")), ct);
        var three = await mesh.WaitForInstancesAsync(3, ct);
        var upAt = TimeProvider.System.GetTimestamp();
        await Eventually.UntilAsync(
            () => three.All(i => load.Records.Any(r => r.Backend == i.Name && r.StartedAt > upAt)),
            TimeSpan.FromSeconds(90),
            "requests reach all three instances",
            ct,
            () => string.Join(", ", load.Records.GroupBy(r => r.Backend).Select(g => $"{g.Key}: {g.Count()}")));

        // Down: out of the endpoints first, then stopped; nothing in flight is lost.
        await mesh.ApplyAsync(Manifests.Join(service, Manifests.Backend("backend", 1, "{ app: backend }", "1")), ct);
        await mesh.WaitForInstancesAsync(1, ct, i => i.Name == "backend-0");
        var downAt = TimeProvider.System.GetTimestamp();
        var removed = three.Where(i => i.Name != "backend-0").Select(i => i.Address).ToList();
        await Eventually.UntilAsync(
            async () => (await Task.WhenAll(removed.Select(a => mesh.ConfigVersionAsync(a, ct)))).All(v => v is null),
            Mesh.InstancesTimeout,
            "the removed instances' proxies stopped",
            ct);
        var stoppedAt = TimeProvider.System.GetTimestamp();
        await Eventually.UntilAsync(() => load.Records.Count(r => r.StartedAt > stoppedAt) >= 20, Mesh.InstancesTimeout, "load after the scale-down", ct);
        var records = await load.StopAsync();

        output.WriteLine($"{records.Count} requests: {string.Join(", ", records.GroupBy(r => r.Backend ?? "failed").OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}: {g.Count()}"))}; removed instances stopped {TimeProvider.System.GetElapsedTime(downAt, stoppedAt).TotalMilliseconds:F0} ms after the proxy left them");
        LoadAssert.NoneFailed(records);
        var afterDown = records.Where(r => r.StartedAt > downAt).ToList();
        Assert.NotEmpty(afterDown);
        Assert.All(afterDown, r => Assert.True(r.Backend == "backend-0", $"after the scale-down: {r}"));
        await mesh.DownAsync(ct);
    }
}
