using Linnet.Api.Telemetry;
using Linnet.ControlPlane.Core.Judge;

namespace Linnet.Bench.Judge;

/// <summary>What a rollback test could at best do: the judge's conditional test of each look's events, but
/// against the one alternative that is true, as if the effect were known: a sequential probability-ratio
/// test, which reaches a decision on average with the fewest observations of any test with its error bound
/// (Wald and Wolfowitz 1948). Either with the judge's null (odds ratio ≤ 1.25) and α/2 per metric, which
/// isolates what the judge pays for not knowing the effect, or with the weakest null the guarantee
/// allows (≤ 1, a canary no worse than the primary) and all of α, the floor for any valid test. On latency it
/// also knows the bound the judge places (the bucket holding the primary's true p99). It never promotes; it
/// exists for the bad canaries only. Weights step as the judge's with hold on evidence, or stay at the first
/// step until the decision.</summary>
internal sealed class OraclePolicy : IRolloutPolicy
{
    private readonly HarmEProcess? _failures;
    private readonly HarmEProcess? _slow;
    private readonly double _threshold;
    private readonly int _bound;
    private readonly bool _holdAtFirstStep;
    private bool _suspect;

    private OraclePolicy(HarmEProcess? failures, HarmEProcess? slow, int bound, double alphaPerMetric, bool holdAtFirstStep)
    {
        _failures = failures;
        _slow = slow;
        _bound = bound;
        _threshold = Math.Log(1 / alphaPerMetric);
        _holdAtFirstStep = holdAtFirstStep;
    }

    public int Weight { get; private set; } = FlaggerThreshold.StepWeight;

    /// <summary>The oracle for <paramref name="scenario"/>; null when the canary is no worse than the null's edge
    /// on either metric (there is no harm to find).</summary>
    /// <param name="edge">The null's edge, an odds ratio (the judge's is <see cref="HarmEProcess.Tolerance"/>).</param>
    /// <param name="alphaPerMetric">The error spent on each metric's test (the judge's is α/2).</param>
    public static Func<IRolloutPolicy>? For(Scenario scenario, double edge, double alphaPerMetric, bool holdAtFirstStep)
    {
        var bound = BoundIndex();
        var failures = OddsRatio(scenario.FailureRate, TrafficModel.PrimaryFailureRate) / edge;
        var slow = OddsRatio(ShareAbove(bound, scenario.LatencyFactor), ShareAbove(bound, 1)) / edge;
        if (failures <= 1 && slow <= 1)
        {
            return null;
        }

        return () => new OraclePolicy(
            failures > 1 ? HarmEProcess.ForRatios(edge, failures) : null,
            slow > 1 ? HarmEProcess.ForRatios(edge, slow) : null,
            bound,
            alphaPerMetric,
            holdAtFirstStep);
    }

    public Outcome Step(int tick, Tally primary, Tally canary)
    {
        _failures?.Add(canary.Requests, primary.Requests, canary.Failures, primary.Failures);
        _slow?.Add(canary.Requests, primary.Requests, canary.ToSideCounts().ResponsesAbove(_bound), primary.ToSideCounts().ResponsesAbove(_bound));
        if ((_failures?.LogValue ?? 0) >= _threshold || (_slow?.LogValue ?? 0) >= _threshold)
        {
            return Outcome.RolledBack;
        }

        _suspect = (_failures?.LogValue ?? 0) > 0 || (_slow?.LogValue ?? 0) > 0;
        if (!_holdAtFirstStep && (tick + 1) % FlaggerThreshold.IntervalTicks == 0 && Weight < FlaggerThreshold.MaxWeight && !_suspect)
        {
            Weight += FlaggerThreshold.StepWeight;
        }

        return Outcome.Undecided;
    }

    /// <summary>The bucket holding the primary's true p99: the first whose upper bound reaches it.</summary>
    public static int BoundIndex()
    {
        for (var i = 0; i < LatencyBuckets.Milliseconds.Count; i++)
        {
            if (LatencyBuckets.Milliseconds[i] >= TrafficModel.P99Ms)
            {
                return i;
            }
        }

        return LatencyBuckets.Milliseconds.Count - 1;
    }

    /// <summary>The true share of responses slower than bucket <paramref name="bound"/>'s upper bound.</summary>
    public static double ShareAbove(int bound, double latencyFactor) =>
        TrafficModel.ShareSlowerThan(LatencyBuckets.Milliseconds[bound], latencyFactor);

    public static double OddsRatio(double canary, double primary) => canary / (1 - canary) / (primary / (1 - primary));
}
