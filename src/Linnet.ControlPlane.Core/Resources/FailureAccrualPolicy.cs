using Linnet.Api.Policy;

namespace Linnet.ControlPlane.Core.Resources;

/// <summary>A Service's circuit breaking (Linkerd's <c>consecutive</c> failure accrual).</summary>
public sealed record FailureAccrualPolicy(int ConsecutiveFailures, TimeSpan MinPenalty, TimeSpan MaxPenalty, double JitterRatio)
{
    /// <summary>7 failures, 1 s to 1 min, jitter 0.5.</summary>
    public static FailureAccrualPolicy Default { get; } = new(PolicyDefaults.FailureAccrualConsecutiveFailures, PolicyDefaults.FailureAccrualMinPenalty, PolicyDefaults.FailureAccrualMaxPenalty, PolicyDefaults.FailureAccrualJitterRatio);
}
