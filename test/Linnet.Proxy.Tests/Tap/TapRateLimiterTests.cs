using Linnet.Api.Tap;
using Microsoft.Extensions.Time.Testing;

namespace Linnet.Proxy.Tests.Tap;

/// <summary>The tap's token bucket on a fake clock: one second's worth (at least one) at once, then max-rps.</summary>
public sealed class TapRateLimiterTests
{
    [Fact]
    public void TryAcquire_Burst_AdmitsOneSecondsWorthThenNothing()
    {
        var time = new FakeTimeProvider();
        var limiter = new TapRateLimiter(5, time);

        var admitted = Enumerable.Range(0, 20).Count(_ => limiter.TryAcquire());

        Assert.Equal(5, admitted);
    }

    [Fact]
    public void TryAcquire_OverTenSeconds_AdmitsRateTimesTimePlusTheBurst()
    {
        var time = new FakeTimeProvider();
        var limiter = new TapRateLimiter(4, time);
        var admitted = 0;
        for (var tick = 0; tick < 100; tick++)
        {
            // 20 attempts every 100 ms: far more than the rate.
            admitted += Enumerable.Range(0, 20).Count(_ => limiter.TryAcquire());
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        // 4 at once, then 4 per second for the 9.9 s after the first tick.
        Assert.Equal(4 + 39, admitted);
    }

    [Fact]
    public void TryAcquire_BelowOnePerSecond_OneAtOnceThenOneEveryPeriod()
    {
        var time = new FakeTimeProvider();
        var limiter = new TapRateLimiter(0.5, time);

        Assert.True(limiter.TryAcquire());
        Assert.False(limiter.TryAcquire());
        time.Advance(TimeSpan.FromSeconds(1.9));
        Assert.False(limiter.TryAcquire());
        time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.True(limiter.TryAcquire());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Constructor_NotAPositiveRate_Throws(double rps) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new TapRateLimiter(rps, new FakeTimeProvider()));
}
