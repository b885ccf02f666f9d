using Linnet.Proxy.Balancing;
using Linnet.Proxy.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace Linnet.Proxy.Tests.Balancing;

public sealed class FailureAccrualTests
{
    private static readonly CircuitBreakerConfig NoJitter = CircuitBreakerConfig.Default with { JitterRatio = 0 };

    [Fact]
    public void OnFailure_SevenInARow_EjectsForOneSecond()
    {
        var time = new FakeTimeProvider();
        var breaker = Breaker(time);

        for (var i = 0; i < 6; i++)
        {
            Assert.False(breaker.OnFailure());
        }

        Assert.True(breaker.IsAvailable);
        Assert.True(breaker.OnFailure());
        Assert.False(breaker.IsAvailable);
        Assert.False(breaker.TryAcquire());

        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(breaker.IsAvailable);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(breaker.IsAvailable);
    }

    [Fact]
    public void OnSuccess_BetweenFailures_ResetsTheCount()
    {
        var breaker = Breaker(new FakeTimeProvider());
        for (var round = 0; round < 5; round++)
        {
            for (var i = 0; i < 6; i++)
            {
                Assert.False(breaker.OnFailure());
            }

            breaker.OnSuccess();
        }

        Assert.True(breaker.IsAvailable);
        Assert.Equal(0, breaker.Ejections);
    }

    [Fact]
    public void TryAcquire_PenaltyOver_OnlyOneProbation()
    {
        var time = new FakeTimeProvider();
        var breaker = Breaker(time);
        Eject(breaker);
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.True(breaker.TryAcquire());
        Assert.False(breaker.TryAcquire());
        Assert.False(breaker.IsAvailable);
    }

    [Fact]
    public void Probation_Success_Readmits()
    {
        var time = new FakeTimeProvider();
        var breaker = Breaker(time);
        Eject(breaker);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(breaker.TryAcquire());

        breaker.OnSuccess();

        Assert.False(breaker.IsEjected);
        for (var i = 0; i < 10; i++)
        {
            Assert.True(breaker.TryAcquire());
        }

        // The backoff was reset too: the next ejection is 1 s again.
        Eject(breaker);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(breaker.IsAvailable);
    }

    [Fact]
    public void Probation_Failure_EjectsAgainForTwiceAsLongUpToOneMinute()
    {
        var time = new FakeTimeProvider();
        var breaker = Breaker(time);
        Eject(breaker);
        var expected = new[] { 2, 4, 8, 16, 32, 60, 60 };
        time.Advance(TimeSpan.FromSeconds(1));
        foreach (var seconds in expected)
        {
            Assert.True(breaker.TryAcquire());
            Assert.True(breaker.OnFailure());
            time.Advance(TimeSpan.FromSeconds(seconds) - TimeSpan.FromMilliseconds(1));
            Assert.False(breaker.IsAvailable);
            time.Advance(TimeSpan.FromMilliseconds(1));
            Assert.True(breaker.IsAvailable);
        }

        Assert.Equal(8, breaker.Ejections);
    }

    [Fact]
    public void Eject_WithJitter_PenaltyBetweenBaseAndBaseTimesOnePlusRatio()
    {
        for (var seed = 0; seed < 20; seed++)
        {
            var time = new FakeTimeProvider();
            var breaker = new FailureAccrual(time, new Random(seed)) { Config = CircuitBreakerConfig.Default };
            Eject(breaker);
            time.Advance(TimeSpan.FromMilliseconds(999));
            Assert.False(breaker.IsAvailable);
            time.Advance(TimeSpan.FromMilliseconds(501));
            Assert.True(breaker.IsAvailable);
        }
    }

    [Fact]
    public void Probation_Abandoned_NextRequestProbes()
    {
        var time = new FakeTimeProvider();
        var breaker = Breaker(time);
        Eject(breaker);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(breaker.TryAcquire());

        breaker.OnAbandoned();

        Assert.True(breaker.TryAcquire());
    }

    [Fact]
    public void Probation_NeverReported_AnotherProbeAfterTheProbationTimeout()
    {
        var time = new FakeTimeProvider();
        var breaker = Breaker(time);
        Eject(breaker);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(breaker.TryAcquire());

        time.Advance(FailureAccrual.ProbationTimeout);

        Assert.True(breaker.TryAcquire());
    }

    [Fact]
    public void OnFailure_NoConfig_NeverEjects()
    {
        var breaker = new FailureAccrual(new FakeTimeProvider(), new Random(1));
        for (var i = 0; i < 100; i++)
        {
            Assert.False(breaker.OnFailure());
        }

        Assert.True(breaker.IsAvailable);
    }

    [Fact]
    public void Pick_EjectedEndpoint_SkippedByBothBalancers_AndNullWhenAllEjected()
    {
        var time = new FakeTimeProvider();
        var endpoints = Enumerable.Range(1, 3).Select(p => new EndpointState(new EndpointConfig("127.0.0.1", p), time) { Breaker = { Config = NoJitter } }).ToList();
        Eject(endpoints[0].Breaker);
        IBalancer[] balancers = [new PeakEwmaBalancer(endpoints, new Random(3)), new WeightedRoundRobinBalancer(endpoints)];

        foreach (var balancer in balancers)
        {
            var picked = Enumerable.Range(0, 300).Select(_ => balancer.Pick()!.Config.Port).ToHashSet();
            Assert.Equal([2, 3], picked.Order());
        }

        Eject(endpoints[1].Breaker);
        Eject(endpoints[2].Breaker);
        foreach (var balancer in balancers)
        {
            Assert.Null(balancer.Pick());
            Assert.True(balancer.HasEndpoints);
        }

        // Penalties over: exactly one request each goes through as a probation.
        time.Advance(TimeSpan.FromSeconds(1));
        var probes = Enumerable.Range(0, 10).Select(_ => balancers[0].Pick()).Where(e => e is not null).Select(e => e!.Config.Port).ToList();
        Assert.Equal([1, 2, 3], probes.Order());
    }

    private static FailureAccrual Breaker(TimeProvider time) => new(time, new Random(1)) { Config = NoJitter };

    private static void Eject(FailureAccrual breaker)
    {
        while (!breaker.OnFailure())
        {
        }
    }
}
