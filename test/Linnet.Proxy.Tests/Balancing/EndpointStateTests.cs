using Linnet.Proxy.Balancing;
using Linnet.Proxy.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace Linnet.Proxy.Tests.Balancing;

public sealed class EndpointStateTests
{
    private static EndpointState Endpoint(TimeProvider time, int weight = 1) => new(new EndpointConfig("127.0.0.1", 9, weight), time);

    [Fact]
    public void RttEstimate_NoSamples_IsDefaultRtt()
    {
        var endpoint = Endpoint(new FakeTimeProvider());

        Assert.Equal(30, endpoint.RttEstimateMs);
    }

    [Fact]
    public void Observe_SlowerSample_JumpsToIt()
    {
        var time = new FakeTimeProvider();
        var endpoint = Endpoint(time);

        time.Advance(TimeSpan.FromMilliseconds(1));
        endpoint.Observe(TimeSpan.FromMilliseconds(500));

        Assert.Equal(500, endpoint.RttEstimateMs);
    }

    [Fact]
    public void Observe_FasterSamplesOverTime_DecaysTowardThem()
    {
        var time = new FakeTimeProvider();
        var endpoint = Endpoint(time);
        endpoint.Observe(TimeSpan.FromMilliseconds(500));

        time.Advance(TimeSpan.FromSeconds(10));
        endpoint.Observe(TimeSpan.FromMilliseconds(10));

        // One decay period: w = e^-1.
        var expected = (500 * Math.Exp(-1)) + (10 * (1 - Math.Exp(-1)));
        Assert.Equal(expected, endpoint.RttEstimateMs, 6);

        time.Advance(TimeSpan.FromSeconds(60));
        endpoint.Observe(TimeSpan.FromMilliseconds(10));

        Assert.InRange(endpoint.RttEstimateMs, 10, 10.5);
    }

    [Fact]
    public void Observe_FasterSampleWithNoTimeElapsed_KeepsEstimate()
    {
        var time = new FakeTimeProvider();
        var endpoint = Endpoint(time);
        endpoint.Observe(TimeSpan.FromMilliseconds(200));

        endpoint.Observe(TimeSpan.FromMilliseconds(1));

        Assert.Equal(200, endpoint.RttEstimateMs);
    }

    [Fact]
    public void ObserveFailure_FastFailure_CountsAsAtLeastTheEstimate()
    {
        var time = new FakeTimeProvider();
        var endpoint = Endpoint(time);
        endpoint.Observe(TimeSpan.FromMilliseconds(100));

        time.Advance(TimeSpan.FromSeconds(10));
        var before = endpoint.RttEstimateMs;
        endpoint.ObserveFailure(TimeSpan.FromMilliseconds(1));

        // A failure that came back fast must not make the endpoint look faster than it did.
        Assert.True(endpoint.RttEstimateMs >= before, $"{endpoint.RttEstimateMs} < {before}");
    }

    [Fact]
    public void Cost_PendingAndWeight_ScalesEstimate()
    {
        var endpoint = Endpoint(new FakeTimeProvider(), weight: 2);
        endpoint.Begin();
        endpoint.Begin();

        Assert.Equal(30.0 * 3 / 2, endpoint.Cost);
        endpoint.End();
        Assert.Equal(30.0 * 2 / 2, endpoint.Cost);
    }

    [Fact]
    public void Cost_WeightZero_IsInfinite()
    {
        var endpoint = Endpoint(new FakeTimeProvider(), weight: 0);

        Assert.Equal(double.PositiveInfinity, endpoint.Cost);
    }
}
