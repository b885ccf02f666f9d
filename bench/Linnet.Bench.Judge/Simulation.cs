namespace Linnet.Bench.Judge;

/// <summary>Runs one algorithm on one scenario at one rate, for many seeded runs.</summary>
internal static class Simulation
{
    public static RunResult[] Run(Scenario scenario, double rate, int runs, int horizonMinutes, ulong seed, Func<IRolloutPolicy> policy)
    {
        var traffic = new Traffic(
            rate,
            TrafficModel.Cells(TrafficModel.PrimaryFailureRate, 1),
            TrafficModel.Cells(scenario.FailureRate, scenario.LatencyFactor),
            seed);
        var excess = ExcessBadShare(scenario);
        var ticks = horizonMinutes * 60 / Traffic.TickSeconds;
        var results = new RunResult[runs];
        var primary = new Tally();
        var canary = new Tally();
        var history = new Tally();
        for (var run = 0; run < runs; run++)
        {
            var rollout = policy();
            traffic.DrawHistory(run, history);
            rollout.Begin(history);
            long exposure = 0;
            var outcome = Outcome.Undecided;
            var tick = 0;
            for (; tick < ticks && outcome == Outcome.Undecided; tick++)
            {
                traffic.Draw(run, tick, rollout.Weight, primary, canary);
                exposure += canary.Requests;
                outcome = rollout.Step(tick, primary, canary);
            }

            var seconds = tick * Traffic.TickSeconds;

            // A promoted canary serves everyone until the horizon; an undecided one keeps its last weight.
            var after = outcome == Outcome.Promoted ? rate * ((horizonMinutes * 60) - seconds) : 0;
            results[run] = new RunResult(outcome, seconds / 60.0, exposure, (exposure + after) * excess);
        }

        return results;
    }

    /// <summary>The share of the canary's requests that go bad because of it: extra failures, plus extra
    /// responses slower than the primary's p99 (each counted against what the primary would have done).</summary>
    public static double ExcessBadShare(Scenario scenario) =>
        Math.Max(0, scenario.FailureRate - TrafficModel.PrimaryFailureRate)
        + Math.Max(0, TrafficModel.SlowShare(scenario.LatencyFactor) - TrafficModel.SlowShare(1));
}
