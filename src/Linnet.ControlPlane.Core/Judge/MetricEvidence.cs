namespace Linnet.ControlPlane.Core.Judge;

/// <summary>The judge's running statistics for one metric: a proportion of "bad" events (failed requests,
/// or responses slower than a bound) on each side, the evidence that the canary's is higher, and an
/// anytime-valid upper bound on the difference canary − primary.</summary>
public sealed record MetricEvidence
{
    /// <summary>Which proportion: <see cref="FailureRate"/> or <see cref="SlowResponses"/>.</summary>
    public required string Metric { get; init; }

    /// <summary>For latency, the bucket bound in milliseconds above which a response counts as slow.</summary>
    public double? LatencyBoundMs { get; init; }

    public required long CanaryEvents { get; init; }

    public required long CanaryTrials { get; init; }

    public required long PrimaryEvents { get; init; }

    public required long PrimaryTrials { get; init; }

    /// <summary>The e-value against "the canary's proportion is no higher than the primary's": a test
    /// martingale, so it exceeds <see cref="EValueThreshold"/> with probability at most 1/threshold ever.</summary>
    public required double EValue { get; init; }

    /// <summary>The e-value at which the judge rolls back (2/α: α is split between the two metrics).</summary>
    public required double EValueThreshold { get; init; }

    /// <summary>An anytime-valid (1 − α) upper bound on canary − primary proportion: what promotion needs.
    /// (Rollback uses the sharper <see cref="EValue"/>, which learns the baseline from both sides at once;
    /// no lower bound is shown, so the two can never seem to disagree.)</summary>
    public required double DifferenceUpper { get; init; }

    /// <summary>The promotion margin for this metric.</summary>
    public required double Margin { get; init; }

    public const string FailureRate = "failure rate";

    public const string SlowResponses = "slow responses";

    public double CanaryRate => CanaryTrials == 0 ? 0 : (double)CanaryEvents / CanaryTrials;

    public double PrimaryRate => PrimaryTrials == 0 ? 0 : (double)PrimaryEvents / PrimaryTrials;

    /// <summary>The canary is shown worse than the primary.</summary>
    public bool Harmful => EValue >= EValueThreshold;

    /// <summary>The canary is shown at most <see cref="Margin"/> worse than the primary.</summary>
    public bool WithinMargin => DifferenceUpper <= Margin;
}
