using Linnet.Api.Policy;

namespace Linnet.Proxy.Configuration;

/// <summary>Failure accrual per endpoint (Linkerd's <c>consecutive</c> policy): after
/// <paramref name="ConsecutiveFailures"/> failures in a row the endpoint leaves balancing for a penalty
/// that starts at <paramref name="MinPenalty"/> and doubles up to <paramref name="MaxPenalty"/>, with
/// <paramref name="JitterRatio"/> of jitter; then one probation request decides whether it returns.</summary>
internal sealed record CircuitBreakerConfig(int ConsecutiveFailures, TimeSpan MinPenalty, TimeSpan MaxPenalty, double JitterRatio)
{
    /// <summary>7 failures, 1 s to 1 min, jitter 0.5.</summary>
    public static CircuitBreakerConfig Default { get; } = new(PolicyDefaults.FailureAccrualConsecutiveFailures, PolicyDefaults.FailureAccrualMinPenalty, PolicyDefaults.FailureAccrualMaxPenalty, PolicyDefaults.FailureAccrualJitterRatio);
}
