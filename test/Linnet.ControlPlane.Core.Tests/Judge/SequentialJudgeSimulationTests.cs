using Linnet.ControlPlane.Core.Judge;

namespace Linnet.ControlPlane.Core.Tests.Judge;

/// <summary>The judge's guarantees checked by seeded simulation rather than trusted from the formulas.
/// Every bound below is stated with its binomial margin; the runs are seeded, so the tests are also
/// deterministic.</summary>
public sealed class SequentialJudgeSimulationTests
{
    [Fact]
    public void Observe_AACanaryLookedAtEvery10sFor30Minutes_RollsBackAtMostAlphaOfRuns()
    {
        // Promotion made impossible (margins of 1e-9) so every run looks 180 times: the guarantee must hold
        // however long the analysis runs. 2,000 A/A runs at 20 req/s, α = 0.05. Were the true rate exactly
        // 5 %, the count would be Binomial(2000, 0.05): mean 100, sd 9.75; 100 + 5 sd = 149 is exceeded
        // with probability below 1e-6.
        var options = new JudgeOptions { Kind = JudgeKinds.Sequential, SuccessRateMargin = 1e-9, LatencyMargin = 1e-9 };
        var service = new SimulatedService(20, _ => 0.005, _ => 0.005, 1);
        var random = new Random(14);

        var rollbacks = Enumerable.Range(0, 2000).Count(_ => service.Run(options, 180, random).Verdict == JudgeVerdict.RollBack);

        Assert.InRange(rollbacks, 0, 149);
    }

    [Fact]
    public void Observe_AAWithAnIncidentHittingBothSides_RollsBackAtMostAlphaOfRuns()
    {
        // The failure rate moves with time (0.5 %, then 8 % for five minutes from minute 3, then 1 %): the
        // test conditions on each look, so a rate shared by both sides at each moment is not evidence.
        // α = 0.2 makes the test sensitive (threshold 10): 1,000 runs; Binomial(1000, 0.2) has mean 200,
        // sd 12.6; 200 + 5 sd = 263 is exceeded with probability below 1e-6.
        var options = new JudgeOptions { Kind = JudgeKinds.Sequential, Alpha = 0.2, SuccessRateMargin = 1e-9, LatencyMargin = 1e-9 };
        static double Rate(int look) => look < 18 ? 0.005 : look < 48 ? 0.08 : 0.01;
        var service = new SimulatedService(20, Rate, Rate, 1);
        var random = new Random(1414);

        var rollbacks = Enumerable.Range(0, 1000).Count(_ => service.Run(options, 120, random).Verdict == JudgeVerdict.RollBack);

        Assert.InRange(rollbacks, 0, 263);
    }

    [Fact]
    public void Observe_CanaryWithFivePointsMoreFailures_IsRolledBackWithinTenMinutes()
    {
        // 0.5 % vs 5.5 % at 10 req/s. The bench's 1,000 runs decide in 1.5 min (median), 2.2 min (p90);
        // 200 seeded runs must all but at most 2 roll back within 60 looks (10 min).
        var options = new JudgeOptions { Kind = JudgeKinds.Sequential };
        var service = new SimulatedService(10, _ => 0.005, _ => 0.055, 1);
        var random = new Random(5);

        var results = Enumerable.Range(0, 200).Select(_ => service.Run(options, 60, random)).ToArray();

        Assert.InRange(results.Count(r => r.Verdict == JudgeVerdict.RollBack), 198, 200);
    }

    [Fact]
    public void Observe_CanaryHalfAgainAsSlow_IsRolledBackOnLatencyWithinFifteenMinutes()
    {
        // Every latency × 1.5 (p99 350 → 525 ms), failures equal, 10 req/s: bench p90 4.2 min.
        var options = new JudgeOptions { Kind = JudgeKinds.Sequential };
        var service = new SimulatedService(10, _ => 0.005, _ => 0.005, 1.5);
        var random = new Random(50);

        var results = Enumerable.Range(0, 200).Select(_ => service.Run(options, 90, random)).ToArray();

        Assert.InRange(results.Count(r => r.Verdict == JudgeVerdict.RollBack), 198, 200);
    }

    [Fact]
    public void Observe_CanaryAsGoodAsThePrimaryAt100RequestsPerSecond_IsPromotedWithinTenMinutes()
    {
        // Bench: median 3.2 min, p90 3.7 min; none of 200 seeded runs may be rolled back, at most 2 undecided.
        var options = new JudgeOptions { Kind = JudgeKinds.Sequential };
        var service = new SimulatedService(100, _ => 0.005, _ => 0.005, 1);
        var random = new Random(100);

        var results = Enumerable.Range(0, 200).Select(_ => service.Run(options, 60, random)).ToArray();

        Assert.InRange(results.Count(r => r.Verdict == JudgeVerdict.Promote), 198, 200);
        Assert.DoesNotContain(results, r => r.Verdict == JudgeVerdict.RollBack);
    }
}
