using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Rollouts;

/// <summary>What the canary controller observed for one step: the target and primary Workloads, how many of
/// their instances are ready, and (when <see cref="CanaryStateMachine.NeedsMetrics"/> asked) each metric's
/// value over its interval (null: no values, no traffic).</summary>
public sealed record CanaryObservation(
    DateTimeOffset Now,
    WorkloadResource? Target,
    WorkloadResource? Primary,
    int TargetReady,
    int PrimaryReady,
    IReadOnlyDictionary<string, double?> MetricValues)
{
    /// <summary>The previous primary kept warm (<c>&lt;target&gt;-standby</c>), when there is one.</summary>
    public WorkloadResource? Standby { get; init; }

    /// <summary>How many of the standby's instances are ready.</summary>
    public int StandbyReady { get; init; }

    /// <summary>How many of the primary's instances are ready and run its spec's version (null: not counted, use
    /// <see cref="PrimaryReady"/>): after a rollback rewrote the primary, traffic goes back only to instances
    /// that run the old version again.</summary>
    public int? PrimaryReadyAtVersion { get; init; }
}
