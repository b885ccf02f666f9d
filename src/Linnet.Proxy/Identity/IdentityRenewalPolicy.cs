using Linnet.Proxy.Resilience;

namespace Linnet.Proxy.Identity;

/// <summary>When to ask for the next certificate: at 70 % of the time the current one had left when it was
/// received (Linkerd's rule), spread by ±5 % of that time so that proxies started together do not renew
/// together; after a failure, exponential backoff with full jitter.</summary>
internal sealed class IdentityRenewalPolicy
{
    /// <summary>The fraction of a certificate's life after which it is renewed.</summary>
    public const double RenewFraction = 0.7;

    /// <summary>The spread around <see cref="RenewFraction"/>.</summary>
    public const double Jitter = 0.05;

    private readonly Random _random;
    private readonly ReconnectBackoff _backoff;

    /// <summary>Uses <paramref name="random"/> for the jitter (seeded in tests); not safe for concurrent use.</summary>
    public IdentityRenewalPolicy(Random random, TimeSpan? initialBackoff = null, TimeSpan? maxBackoff = null)
    {
        _random = random;
        _backoff = new ReconnectBackoff(random, initialBackoff ?? TimeSpan.FromMilliseconds(500), maxBackoff ?? TimeSpan.FromSeconds(30));
    }

    /// <summary>How long after <paramref name="receivedAt"/> to renew a certificate valid until <paramref name="validUntil"/>.</summary>
    public TimeSpan RenewAfter(DateTimeOffset receivedAt, DateTimeOffset validUntil)
    {
        var left = validUntil - receivedAt;
        if (left <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        var fraction = RenewFraction + ((_random.NextDouble() * 2) - 1) * Jitter;
        return TimeSpan.FromTicks((long)(left.Ticks * fraction));
    }

    /// <summary>How long to wait after <paramref name="failures"/> consecutive failures (1 for the first).</summary>
    public TimeSpan RetryAfter(int failures) => _backoff.Next(Math.Max(0, failures - 1));
}
