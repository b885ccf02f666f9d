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

    // Expected values below follow Linkerd's balancer, tower's PeakEwma (tower/src/load/peak_ewma.rs):
    // load() decays the estimate in place (an update with a zero sample), and an update with a sample
    // slower than the stored estimate replaces it, otherwise blends it in with weight 1 - e^(-elapsed/decay),
    // elapsed since the last update or load. Linkerd's defaults: 30 ms default RTT, 10 s decay.

    [Fact]
    public void Observe_FasterSampleTenSecondsLater_BlendsWithWeightOneMinusInverseE()
    {
        var time = new FakeTimeProvider();
        var endpoint = Endpoint(time);
        endpoint.Observe(TimeSpan.FromMilliseconds(500));

        time.Advance(TimeSpan.FromSeconds(10));
        endpoint.Observe(TimeSpan.FromMilliseconds(10));

        // 500 e^-1 + 10 (1 - e^-1), with e^-1 = 0.367879.
        Assert.Equal(190.261, endpoint.RttEstimateMs, 3);

        time.Advance(TimeSpan.FromSeconds(60));
        endpoint.Observe(TimeSpan.FromMilliseconds(10));

        Assert.InRange(endpoint.RttEstimateMs, 10, 10.5);
    }

    [Fact]
    public void RttEstimate_ReadAfterIdle_StoresTheDecaySoAFastSampleCannotRaiseIt()
    {
        var time = new FakeTimeProvider();
        var endpoint = Endpoint(time);
        endpoint.Observe(TimeSpan.FromMilliseconds(500));
        time.Advance(TimeSpan.FromSeconds(10));

        var seen = endpoint.RttEstimateMs;
        endpoint.Observe(TimeSpan.FromMilliseconds(10));

        // The balancer saw 500 e^-1; a 10 ms sample at that instant has weight 1 - e^0 = 0.
        Assert.Equal(183.940, seen, 3);
        Assert.Equal(183.940, endpoint.RttEstimateMs, 3);
    }

    [Fact]
    public void Observe_SampleSlowerThanTheDecayedEstimate_BecomesThePeak()
    {
        var time = new FakeTimeProvider();
        var endpoint = Endpoint(time);
        endpoint.Observe(TimeSpan.FromMilliseconds(400));
        time.Advance(TimeSpan.FromSeconds(13));

        // 400 e^-1.3 = 109.0 ms is what the balancer compares endpoints with now.
        Assert.Equal(109.013, endpoint.RttEstimateMs, 3);
        endpoint.Observe(TimeSpan.FromMilliseconds(300));

        Assert.Equal(300, endpoint.RttEstimateMs, 6);
    }

    [Fact]
    public void Cost_TowersCompoundDecayScenarioAtTenTimesTheDecay_Matches()
    {
        // tower's compound_decay test (decay 1 s, steps of 100 ms) on Linkerd's 10 s decay (steps of 1 s).
        var time = new FakeTimeProvider();
        var endpoint = Endpoint(time);
        Assert.Equal(30, endpoint.Cost);

        time.Advance(TimeSpan.FromSeconds(1));
        endpoint.Begin();
        Assert.True(endpoint.Cost > 30, $"{endpoint.Cost}");

        time.Advance(TimeSpan.FromSeconds(1));
        endpoint.Begin();
        Assert.True(endpoint.Cost > 60, $"{endpoint.Cost}");

        time.Advance(TimeSpan.FromSeconds(1));
        endpoint.Observe(TimeSpan.FromSeconds(2));
        endpoint.End();
        Assert.Equal(4_000, endpoint.Cost, 6);

        time.Advance(TimeSpan.FromSeconds(1));
        endpoint.Observe(TimeSpan.FromSeconds(2));
        endpoint.End();
        Assert.Equal(2_000, endpoint.Cost, 6);

        time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(endpoint.Cost < 1_000, $"{endpoint.Cost}");

        time.Advance(TimeSpan.FromSeconds(100));
        Assert.True(endpoint.Cost < 1, $"{endpoint.Cost}");
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
