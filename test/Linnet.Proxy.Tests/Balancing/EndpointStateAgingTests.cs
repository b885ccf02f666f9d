using Linnet.Proxy.Balancing;
using Linnet.Proxy.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace Linnet.Proxy.Tests.Balancing;

public sealed class EndpointStateAgingTests
{
    [Fact]
    public void RttEstimate_WithoutSamples_AgesTowardZero()
    {
        var time = new FakeTimeProvider();
        var endpoint = new EndpointState(new EndpointConfig("127.0.0.1", 1), time);
        endpoint.Observe(TimeSpan.FromMilliseconds(200));

        time.Advance(EndpointState.Decay);

        Assert.Equal(200 * Math.Exp(-1), endpoint.RttEstimateMs, 3);
        time.Advance(EndpointState.Decay * 4);
        Assert.True(endpoint.RttEstimateMs < 2, $"{endpoint.RttEstimateMs}");
    }

    [Fact]
    public void Seed_NewEndpoint_StartsAtGivenEstimate_ButNotOnceSampled()
    {
        var time = new FakeTimeProvider();
        var fresh = new EndpointState(new EndpointConfig("127.0.0.1", 1), time);
        var sampled = new EndpointState(new EndpointConfig("127.0.0.1", 2), time);
        sampled.Observe(TimeSpan.FromMilliseconds(5));

        fresh.Seed(2);
        sampled.Seed(50);

        Assert.Equal(2, fresh.RttEstimateMs, 3);
        Assert.False(fresh.HasSamples);
        Assert.True(sampled.RttEstimateMs <= 30);
    }
}
