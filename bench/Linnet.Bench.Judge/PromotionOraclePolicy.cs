using Linnet.ControlPlane.Core.Judge;

namespace Linnet.Bench.Judge;

/// <summary>What a promotion could at best do: for each metric, the sequential probability-ratio test of the
/// good canary's true odds ratio against the margin's edge (the canary one point worse than the primary, whose
/// rate it knows), at α per metric (promotion needs both metrics, an intersection-union test, so each may
/// spend all of α; the judge spends α/2 on each side's bound instead, not knowing the primary's rate). It
/// promotes when both tests have decided; weights step every interval as Flagger's do. It never rolls back:
/// it exists for the good canary only, as the floor for the promotion time any valid test could reach.</summary>
internal sealed class PromotionOraclePolicy(HarmEProcess failures, HarmEProcess slow, int bound, double alpha) : IRolloutPolicy
{
    private readonly double _threshold = Math.Log(1 / alpha);

    public int Weight { get; private set; } = FlaggerThreshold.StepWeight;

    /// <summary>The oracle for <paramref name="scenario"/>, a canary better than the margins on both metrics;
    /// null for any other.</summary>
    public static Func<IRolloutPolicy>? For(Scenario scenario, double failureMargin, double latencyMargin, double alpha)
    {
        var bound = OraclePolicy.BoundIndex();
        var primaryFailures = TrafficModel.PrimaryFailureRate;
        var primarySlow = OraclePolicy.ShareAbove(bound, 1);
        var failureEdge = OraclePolicy.OddsRatio(primaryFailures + failureMargin, primaryFailures);
        var slowEdge = OraclePolicy.OddsRatio(primarySlow + latencyMargin, primarySlow);
        var failureRatio = OraclePolicy.OddsRatio(scenario.FailureRate, primaryFailures) / failureEdge;
        var slowRatio = OraclePolicy.OddsRatio(OraclePolicy.ShareAbove(bound, scenario.LatencyFactor), primarySlow) / slowEdge;
        if (scenario.FailureRate > primaryFailures || scenario.LatencyFactor > 1 || failureRatio >= 1 || slowRatio >= 1)
        {
            return null;
        }

        return () => new PromotionOraclePolicy(HarmEProcess.ForRatios(failureEdge, failureRatio), HarmEProcess.ForRatios(slowEdge, slowRatio), bound, alpha);
    }

    public Outcome Step(int tick, Tally primary, Tally canary)
    {
        failures.Add(canary.Requests, primary.Requests, canary.Failures, primary.Failures);
        slow.Add(canary.Requests, primary.Requests, canary.ToSideCounts().ResponsesAbove(bound), primary.ToSideCounts().ResponsesAbove(bound));
        if (failures.LogValue >= _threshold && slow.LogValue >= _threshold)
        {
            return Outcome.Promoted;
        }

        if ((tick + 1) % FlaggerThreshold.IntervalTicks == 0 && Weight < FlaggerThreshold.MaxWeight)
        {
            Weight += FlaggerThreshold.StepWeight;
        }

        return Outcome.Undecided;
    }
}
