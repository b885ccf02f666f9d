using Linnet.Proxy.Configuration;
using Linnet.Proxy.ControlPlane;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Linnet.Proxy.Resilience;

namespace Linnet.Proxy.Tests.ControlPlane;

public sealed class ReconnectBackoffTests
{
    [Theory]
    [InlineData(0, 100)]
    [InlineData(1, 200)]
    [InlineData(2, 400)]
    [InlineData(5, 3200)]
    [InlineData(6, 5000)]
    [InlineData(40, 5000)]
    public void Ceiling_ConsecutiveFailures_DoublesFrom100msUpTo5s(int attempt, int ms)
    {
        var backoff = new ReconnectBackoff(new Random(1));

        Assert.Equal(TimeSpan.FromMilliseconds(ms), backoff.Ceiling(attempt));
    }

    [Fact]
    public void Next_SeededRandom_IsFullJitterBelowTheCeiling()
    {
        var backoff = new ReconnectBackoff(new Random(42));
        var reference = new Random(42);

        for (var attempt = 0; attempt < 10; attempt++)
        {
            var delay = backoff.Next(attempt);
            var ceiling = backoff.Ceiling(attempt);

            Assert.Equal(TimeSpan.FromTicks((long)(reference.NextDouble() * ceiling.Ticks)), delay);
            Assert.InRange(delay, TimeSpan.Zero, ceiling);
        }
    }

    [Fact]
    public void Next_ManyDrawsAtTheCap_SpreadOverTheWholeRange()
    {
        var backoff = new ReconnectBackoff(new Random(7));
        var delays = Enumerable.Range(0, 2_000).Select(_ => backoff.Next(30).TotalMilliseconds).ToList();

        // Uniform on [0, 5000): proxies that lost the control plane together spread their reconnects.
        Assert.InRange(delays.Min(), 0, 250);
        Assert.InRange(delays.Max(), 4_750, 5_000);
        Assert.InRange(delays.Average(), 2_350, 2_650);
    }

    [Fact]
    public async Task Reconnect_ControlPlaneRefuses_WaitsJitteredDelaysOnTheInjectedTimeProvider()
    {
        await using var server = await FakeDestinationServer.StartAsync();
        server.Service.Refuse = true;
        var time = new FakeTimeProvider();
        var expected = new ReconnectBackoff(new Random(5));
        var bootstrap = server.Configure(new BootstrapConfig { Workload = new WorkloadInfo("test", "web", "web-0") });
        var identity = new Linnet.Proxy.Identity.ProxyIdentity(enabled: false);
        using var provider = new ControlPlaneConfigProvider(bootstrap, identity, new Linnet.Proxy.Telemetry.IdentityMetrics(), time, NullLogger.Instance, new Random(5));

        await provider.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            // Each refusal schedules a wait on the fake clock; only advancing it brings the next attempt.
            for (var attempt = 0; attempt < 3; attempt++)
            {
                var delay = expected.Next(attempt);
                var subscriptions = attempt + 1;
                await Eventually.WaitAsync(() => server.Service.SubscribeCount == subscriptions && provider.LastRetryDelay == delay, $"retry {attempt} to be scheduled");
                Assert.Equal(subscriptions, provider.Subscriptions);
                time.Advance(delay);
            }

            await Eventually.WaitAsync(() => server.Service.SubscribeCount == 4, "the fourth attempt");
            Assert.False(provider.IsSynced);
            Assert.Equal("", provider.Version);
        }
        finally
        {
            await provider.StopAsync(TestContext.Current.CancellationToken);
        }
    }
}
