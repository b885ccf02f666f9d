using Linnet.Proxy.Balancing;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Resilience;
using Linnet.Proxy.Routing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Linnet.Proxy.Tests.Balancing;

public sealed class ServiceTableBalancingTests
{
    private static ServiceConfig Service(params int[] ports) =>
        new("backend", [], 80, ServiceProtocol.Detect, null, ports.Select(p => new EndpointConfig("127.0.0.1", p)).ToList());

    [Fact]
    public void Find_ServiceWithoutBalancerSetting_UsesPeakEwma()
    {
        var legacy = new ServiceConfig("legacy", [], 80, ServiceProtocol.Detect, null, [new EndpointConfig("127.0.0.1", 2)]) { Balancer = BalancerNames.RoundRobin };
        using var provider = new ChangingConfigProvider([Service(1), legacy]);
        using var table = new ServiceTable(provider, NullLogger<ServiceTable>.Instance, new FakeTimeProvider());

        Assert.IsType<PeakEwmaBalancer>(table.Find("backend", 80)!.Balancer);
        Assert.IsType<WeightedRoundRobinBalancer>(table.Find("legacy", 80)!.Balancer);
    }

    [Fact]
    public void Reload_EndpointStays_KeepsPendingAndRttEstimate()
    {
        var time = new FakeTimeProvider();
        using var provider = new ChangingConfigProvider([Service(1, 2)]);
        using var table = new ServiceTable(provider, NullLogger<ServiceTable>.Instance, time);
        var kept = table.Find("backend", 80)!.Endpoints.Single(e => e.Config.Port == 1);
        kept.Observe(TimeSpan.FromMilliseconds(400));
        kept.Begin();

        provider.Update("v2", [Service(1, 3)]);

        var endpoints = table.Find("backend", 80)!.Endpoints;
        Assert.Equal("v2", table.Version);
        Assert.Equal([1, 3], endpoints.Select(e => e.Config.Port));
        Assert.Same(kept, endpoints[0]);
        Assert.Equal(400, endpoints[0].RttEstimateMs);
        Assert.Equal(1, endpoints[0].Pending);
        // The new endpoint joins at its sampled peers' mean, not at the default.
        Assert.Equal(400, endpoints[1].RttEstimateMs);
        Assert.False(endpoints[1].HasSamples);

        // The request that began before the update ends against the same state.
        kept.End();
        Assert.Equal(0, endpoints[0].Pending);
    }

    [Fact]
    public void Pick_TwoTablesWithTheProxysSameSeed_MakeTheSameChoices()
    {
        // LINNET_PROXY_RANDOM_SEED makes every random choice of the data path repeatable, the balancer's too.
        var first = Picks(new SynchronizedRandom(42));
        var second = Picks(new SynchronizedRandom(42));

        Assert.Equal(first, second);
        Assert.True(first.Distinct().Count() > 1, "the picks vary");
    }

    private static List<int> Picks(Random random)
    {
        using var provider = new ChangingConfigProvider([Service(1, 2, 3, 4)]);
        using var table = new ServiceTable(provider, NullLogger<ServiceTable>.Instance, new FakeTimeProvider(), random);
        var balancer = table.Find("backend", 80)!.Balancer;
        return Enumerable.Range(0, 64).Select(_ => balancer.Pick()!.Config.Port).ToList();
    }
}
