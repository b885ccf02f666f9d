namespace Linnet.ControlPlane.Core.Resources;

/// <summary>A Service's circuit breaking (Linkerd's <c>consecutive</c> failure accrual).</summary>
public sealed record FailureAccrualPolicy(int ConsecutiveFailures, TimeSpan MinPenalty, TimeSpan MaxPenalty, double JitterRatio)
{
    /// <summary>7 failures, 1 s to 1 min, jitter 0.5.</summary>
    public static FailureAccrualPolicy Default { get; } = new(7, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), 0.5);
}
