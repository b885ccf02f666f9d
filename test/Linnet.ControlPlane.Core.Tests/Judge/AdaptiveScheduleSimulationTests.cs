using Linnet.Api.Telemetry;
using Linnet.ControlPlane.Core.Judge;
using MathNet.Numerics.Distributions;

namespace Linnet.ControlPlane.Core.Tests.Judge;

/// <summary>The rollout controller holds the weight step while the judge's evidence leans towards harm, so the
/// canary's share of traffic depends on the data seen so far. The guarantee must survive that: seeded A/A runs
/// under the controller's schedule (step 10 → 50 each six looks, held while an e-value is above 1).</summary>
public sealed class AdaptiveScheduleSimulationTests
{
    [Fact]
    public void Observe_AAWithTheWeightHeldOnEvidence_RollsBackAtMostAlphaOfRuns()
    {
        // α = 0.2 makes the test sensitive (threshold 10); promotion disabled so every run looks 120 times.
        // Binomial(1000, 0.2): mean 200, sd 12.6; 200 + 5 sd = 263 is exceeded with probability below 1e-6.
        var options = new JudgeOptions { Kind = JudgeKinds.Sequential, Alpha = 0.2, SuccessRateMargin = 1e-9, LatencyMargin = 1e-9 };
        var random = new Random(2026);

        var rollbacks = Enumerable.Range(0, 1000).Count(_ => Run(options, random, looks: 120, requestsPerLook: 200, failureRate: 0.01) == JudgeVerdict.RollBack);

        Assert.InRange(rollbacks, 0, 263);
    }

    private static JudgeVerdict Run(JudgeOptions options, Random random, int looks, double requestsPerLook, double failureRate)
    {
        var judge = new SequentialJudge(options);
        var primary = SideCounts.Empty;
        var canary = SideCounts.Empty;
        var weight = 10;
        var hold = false;
        for (var look = 1; look <= looks; look++)
        {
            primary = primary.Plus(Draw(random, requestsPerLook * (100 - weight) / 100, failureRate));
            canary = canary.Plus(Draw(random, requestsPerLook * weight / 100, failureRate));
            var result = judge.Observe(new JudgeInput(primary, canary));
            if (result.Verdict != JudgeVerdict.Continue)
            {
                return result.Verdict;
            }

            hold = result.FailureRate.EValue > 1 || result.Latency is { EValue: > 1 };
            if (look % 6 == 0 && weight < 50 && !hold)
            {
                weight += 10;
            }
        }

        return JudgeVerdict.Continue;
    }

    private static SideCounts Draw(Random random, double expected, double failureRate)
    {
        var requests = Poisson.Sample(random, expected);
        var buckets = new long[LatencyBuckets.Count];
        buckets[10] = requests;
        return new SideCounts(requests, Binomial.Sample(random, failureRate, requests), buckets);
    }
}
