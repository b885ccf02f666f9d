using Linnet.ControlPlane.Core.Judge;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Rollouts;

/// <summary>What the canary controller observed for one step: the target and primary Workloads, how many of
/// their instances are ready and run the workload's current spec (not one still on the previous spec), and (when <see cref="CanaryStateMachine.NeedsMetrics"/> asked) each metric's
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

    /// <summary>The answers of the webhooks called for this step, by their index in <c>analysis.webhooks</c>
    /// (those a step asked for in <see cref="CanaryStep.Pending"/>).</summary>
    public IReadOnlyDictionary<int, CanaryHookResult> HookResults { get; init; } = new Dictionary<int, CanaryHookResult>();

    /// <summary>For <c>analysis.judge: sequential</c> (when <see cref="CanaryStateMachine.NeedsJudgeCounts"/>):
    /// each side's counts over the window from the status's <c>judge.lookedAt</c> to <see cref="Now"/>; null
    /// when they were not read.</summary>
    public JudgeInput? JudgeWindow { get; init; }

    /// <summary>With <see cref="JudgeWindow"/>, while the judge's latency bound is not yet placed: the primary's
    /// counts over as far back as the metrics go (its traffic before the analysis, and since), from which the
    /// judge places the bound (<see cref="SequentialJudge.Observe"/>); null otherwise.</summary>
    public SideCounts? JudgePrimaryHistory { get; init; }

    /// <summary>The value of a new session-affinity cookie, should this step need one (fresh and random unless a
    /// test says otherwise: the state machine draws nothing itself).</summary>
    public string SessionCookieValue { get; init; } = CanaryObjects.NewCookieValue();

    /// <summary>The value of a new primary session-affinity cookie (<c>primaryCookieName</c>), should this step need one.</summary>
    public string PrimarySessionCookieValue { get; init; } = CanaryObjects.NewCookieValue();

    /// <summary>A look between two steps (the judge looks at every scrape): the judge may roll back or promote,
    /// but the weights do not step and the threshold checks do not run.</summary>
    public bool LookOnly { get; init; }
}
