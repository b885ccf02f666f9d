namespace Linnet.ControlPlane.Core.Judge;

/// <summary>Everything a <see cref="SequentialJudge"/> needs to resume where it stopped: both sides'
/// cumulative counts consumed so far, each e-process's log-products, and the latency bound with the counts
/// it was placed at. The rollout controller stores it on the Canary's status in the same commit as each step,
/// so a restarted control plane neither counts a look twice nor forgets one (docs/canary-judge.md).</summary>
public sealed record JudgeState
{
    /// <summary>Before the first look.</summary>
    public static JudgeState Initial { get; } = new();

    /// <summary>Looks taken.</summary>
    public long Looks { get; init; }

    /// <summary>The primary's cumulative counts at the last look.</summary>
    public SideCounts Primary { get; init; } = SideCounts.Empty;

    /// <summary>The canary's cumulative counts at the last look.</summary>
    public SideCounts Canary { get; init; } = SideCounts.Empty;

    /// <summary>The failure-rate e-process: log of each rate ratio's product.</summary>
    public IReadOnlyList<double> FailureLogProducts { get; init; } = new double[HarmEProcess.RateRatios.Length];

    /// <summary>The slow-response e-process: log of each rate ratio's product.</summary>
    public IReadOnlyList<double> SlowLogProducts { get; init; } = new double[HarmEProcess.RateRatios.Length];

    /// <summary>The <c>response_latency_ms</c> bucket whose upper bound defines a slow response; -1 until placed.</summary>
    public int LatencyBoundIndex { get; init; } = -1;

    /// <summary>Both sides' cumulative counts at the look that placed the bound (latency is judged on what
    /// came after); null until placed.</summary>
    public JudgeInput? LatencyOrigin { get; init; }

    /// <inheritdoc />
    public bool Equals(JudgeState? other) =>
        other is not null && Looks == other.Looks && Primary.Equals(other.Primary) && Canary.Equals(other.Canary)
        && FailureLogProducts.SequenceEqual(other.FailureLogProducts) && SlowLogProducts.SequenceEqual(other.SlowLogProducts)
        && LatencyBoundIndex == other.LatencyBoundIndex && Equals(LatencyOrigin, other.LatencyOrigin);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Looks, Primary.Requests, Canary.Requests, LatencyBoundIndex);
}
