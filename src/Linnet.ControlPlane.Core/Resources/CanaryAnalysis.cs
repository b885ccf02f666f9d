using Linnet.ControlPlane.Core.Judge;

namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Flagger's <c>analysis</c>, with its defaults.</summary>
public sealed record CanaryAnalysis
{
    /// <summary>Time between steps (default 60s).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Failed checks before rollback (Flagger: 0 or less means 1).</summary>
    public int Threshold { get; init; } = 1;

    /// <summary>Largest canary weight before promotion (default 100).</summary>
    public int MaxWeight { get; init; } = 100;

    /// <summary>Weight added per step.</summary>
    public int StepWeight { get; init; }

    /// <summary>Explicit weights per step, instead of <see cref="StepWeight"/>.</summary>
    public IReadOnlyList<int> StepWeights { get; init; } = [];

    /// <summary>Weight moved back to the primary per step during promotion; 0 moves it all at once.</summary>
    public int StepWeightPromotion { get; init; }

    /// <summary>Iterations of a blue/green or A/B analysis; 0 for the canary strategy.</summary>
    public int Iterations { get; init; }

    /// <summary>A/B: requests that go to the canary (with <see cref="Iterations"/>).</summary>
    public IReadOnlyList<HttpRouteMatch> Match { get; init; } = [];

    /// <summary>Percentage of the primary's replicas that must be ready (default 100).</summary>
    public int PrimaryReadyThreshold { get; init; } = 100;

    /// <summary>Percentage of the canary's replicas that must be ready (default 100).</summary>
    public int CanaryReadyThreshold { get; init; } = 100;

    /// <summary>The checks run at each step.</summary>
    public IReadOnlyList<CanaryMetric> Metrics { get; init; } = [];

    /// <summary>Flagger's <c>mirror</c>: during the iterations (blue/green, A/B) requests to the primary are also
    /// copied to the canary (Gateway API RequestMirror), whose answers are dropped.</summary>
    public bool Mirror { get; init; }

    /// <summary>Flagger's <c>mirrorWeight</c>: the percentage of requests mirrored (default 100).</summary>
    public int MirrorWeight { get; init; } = 100;

    /// <summary>Flagger's <c>sessionAffinity</c>; null: none.</summary>
    public CanarySessionAffinity? SessionAffinity { get; init; }

    /// <summary>Linnet's warm rollback (<c>analysis.rollbackWindow</c>, default 10m; 0 turns it off): how long the
    /// previous primary stays running at zero weight after a promotion while the analysis watches the new one.</summary>
    public TimeSpan RollbackWindow { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Flagger's webhooks, in their order.</summary>
    public IReadOnlyList<CanaryWebhook> Webhooks { get; init; } = [];

    /// <summary>Flagger's alerts: where the canary's alerts go.</summary>
    public IReadOnlyList<CanaryAlertRef> Alerts { get; init; } = [];

    /// <summary>Linnet's judge settings (<c>analysis.judge</c> and friends).</summary>
    public JudgeOptions Judge { get; init; } = new();

    /// <summary>The strategy Flagger picks: match and iterations → A/B, iterations → blue/green, else canary.</summary>
    public string Strategy => Iterations > 0 ? (Match.Count > 0 ? CanaryStrategies.ABTesting : CanaryStrategies.BlueGreen) : CanaryStrategies.Canary;

    /// <inheritdoc />
    public bool Equals(CanaryAnalysis? other) =>
        other is not null && Interval == other.Interval && Threshold == other.Threshold && MaxWeight == other.MaxWeight
        && StepWeight == other.StepWeight && StepWeights.SequenceEqual(other.StepWeights) && StepWeightPromotion == other.StepWeightPromotion
        && Iterations == other.Iterations && Match.SequenceEqual(other.Match) && PrimaryReadyThreshold == other.PrimaryReadyThreshold
        && CanaryReadyThreshold == other.CanaryReadyThreshold && Metrics.SequenceEqual(other.Metrics) && Judge.Equals(other.Judge)
        && RollbackWindow == other.RollbackWindow && Mirror == other.Mirror && MirrorWeight == other.MirrorWeight
        && Equals(SessionAffinity, other.SessionAffinity)
        && Webhooks.SequenceEqual(other.Webhooks) && Alerts.SequenceEqual(other.Alerts);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Interval, Threshold, MaxWeight, StepWeight, Iterations);
}
