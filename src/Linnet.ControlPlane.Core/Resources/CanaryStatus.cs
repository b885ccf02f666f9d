namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Flagger's <c>CanaryStatus</c> (phase, failedChecks, canaryWeight, iterations, lastAppliedSpec,
/// lastPromotedSpec, lastTransitionTime, conditions[Promoted]) plus what Flagger users ask for (#1810): each
/// metric's last value and the range it was held against, and the recent events (<c>describe</c>).</summary>
public sealed record CanaryStatus
{
    /// <summary>Never reconciled.</summary>
    public static CanaryStatus Empty { get; } = new();

    /// <summary>The phase; empty before the first reconcile.</summary>
    public string Phase { get; init; } = "";

    /// <summary>Failed checks in this analysis.</summary>
    public int FailedChecks { get; init; }

    /// <summary>Percentage of traffic on the canary.</summary>
    public int CanaryWeight { get; init; }

    /// <summary>Iterations done (blue/green, A/B).</summary>
    public int Iterations { get; init; }

    /// <summary>Hash of the target's spec last seen (a different one is a new revision).</summary>
    public string LastAppliedSpec { get; init; } = "";

    /// <summary>Hash of the target's spec last promoted.</summary>
    public string LastPromotedSpec { get; init; } = "";

    /// <summary>When the phase last changed.</summary>
    public DateTimeOffset LastTransitionTime { get; init; } = DateTimeOffset.UnixEpoch;

    /// <summary>The <c>Promoted</c> condition: status True/False/Unknown, reason (the phase) and message.</summary>
    public CanaryCondition? Promoted { get; init; }

    /// <summary>Each metric's last check.</summary>
    public IReadOnlyList<CanaryMetricStatus> Metrics { get; init; } = [];

    /// <summary>The sequential judge's state and last decision; null unless <c>analysis.judge</c> is sequential
    /// and an analysis has started.</summary>
    public CanaryJudgeStatus? Judge { get; init; }

    /// <summary>The most recent events, oldest first (at most <see cref="MaxEvents"/>).</summary>
    public IReadOnlyList<CanaryEvent> Events { get; init; } = [];

    /// <summary>Held by <c>linnet canary pause</c>: no analysis and no step until resumed.</summary>
    public bool Paused { get; init; }

    /// <summary>The last manual command and its outcome.</summary>
    public CanaryCommand? Command { get; init; }

    /// <summary>The previous primary kept warm after a promotion (warm rollback); null when there is none.</summary>
    public CanaryStandby? Standby { get; init; }

    /// <summary>Flagger's <c>sessionAffinityCookie</c>: the <c>name=value</c> pair that pins users to the canary while
    /// it takes traffic; empty when it takes none.</summary>
    public string SessionAffinityCookie { get; init; } = "";

    /// <summary>Flagger's <c>previousSessionAffinityCookie</c>: the last run's pair, expired (Max-Age=-1) on any
    /// response to a request that still carries it.</summary>
    public string PreviousSessionAffinityCookie { get; init; } = "";

    /// <summary>Flagger's <c>primarySessionAffinityCookie</c>: the pair that pins users to the primary
    /// (<c>primaryCookieName</c>).</summary>
    public string PrimarySessionAffinityCookie { get; init; } = "";

    /// <summary>Events kept on the resource.</summary>
    public const int MaxEvents = 50;

    /// <inheritdoc />
    public bool Equals(CanaryStatus? other) =>
        other is not null && Phase == other.Phase && FailedChecks == other.FailedChecks && CanaryWeight == other.CanaryWeight
        && Iterations == other.Iterations && LastAppliedSpec == other.LastAppliedSpec && LastPromotedSpec == other.LastPromotedSpec
        && LastTransitionTime == other.LastTransitionTime && Equals(Promoted, other.Promoted)
        && Metrics.SequenceEqual(other.Metrics) && Events.SequenceEqual(other.Events) && Equals(Judge, other.Judge)
        && Paused == other.Paused && Equals(Command, other.Command) && Equals(Standby, other.Standby)
        && SessionAffinityCookie == other.SessionAffinityCookie && PreviousSessionAffinityCookie == other.PreviousSessionAffinityCookie
        && PrimarySessionAffinityCookie == other.PrimarySessionAffinityCookie;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Phase, FailedChecks, CanaryWeight);
}
