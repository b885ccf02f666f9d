using Linnet.Proxy.Identity;

namespace Linnet.Proxy.Tests.Identity;

public sealed class IdentityRenewalPolicyTests
{
    [Fact]
    public void RenewAfter_ManyDraws_Within65To75PercentAndSpread()
    {
        var policy = new IdentityRenewalPolicy(new Random(42));
        var received = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var draws = Enumerable.Range(0, 1000).Select(_ => policy.RenewAfter(received, received.AddHours(24)).TotalHours).ToList();

        Assert.All(draws, d => Assert.InRange(d, 24 * 0.65, 24 * 0.75));
        Assert.InRange(draws.Average(), 24 * 0.69, 24 * 0.71);
        Assert.True(draws.Max() - draws.Min() > 24 * 0.08, "jitter spreads renewals");
    }

    [Fact]
    public void RenewAfter_AlreadyExpired_Immediately()
    {
        var policy = new IdentityRenewalPolicy(new Random(1));
        var now = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

        Assert.Equal(TimeSpan.Zero, policy.RenewAfter(now, now.AddSeconds(-1)));
    }

    [Fact]
    public void RetryAfter_ConsecutiveFailures_CeilingDoublesUpToMax()
    {
        var policy = new IdentityRenewalPolicy(new Random(7), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));

        for (var failures = 1; failures <= 12; failures++)
        {
            var ceiling = Math.Min(500 * Math.Pow(2, failures - 1), 30_000);
            for (var i = 0; i < 50; i++)
            {
                Assert.InRange(policy.RetryAfter(failures).TotalMilliseconds, 0, ceiling);
            }
        }

        Assert.Contains(Enumerable.Range(0, 200).Select(_ => policy.RetryAfter(10).TotalMilliseconds), d => d > 15_000);
    }
}
