namespace Linnet.Bench.Judge;

/// <summary>Kayenta-style canary analysis: at every interval, over everything collected since the start (a
/// growing lookback, Spinnaker's default), a Mann-Whitney test per metric (latency, and failure as 0/1)
/// compares canary with primary; a metric whose canary is significantly worse (two-sided p &lt; 0.05) fails;
/// the score is the share of metrics that pass, and a score under the marginal threshold (75) rolls back.
/// Otherwise the weight steps as in Flagger's schedule and a pass at maxWeight promotes. Re-testing the
/// growing data at every interval is the peeking problem the sequential judge avoids.</summary>
internal sealed class KayentaMannWhitney : IRolloutPolicy
{
    private const double Alpha = 0.05;
    private const double MarginalScore = 75;
    private readonly Tally _primary = new();
    private readonly Tally _canary = new();

    public int Weight { get; private set; } = FlaggerThreshold.StepWeight;

    public Outcome Step(int tick, Tally primary, Tally canary)
    {
        _primary.Add(primary);
        _canary.Add(canary);
        if ((tick + 1) % FlaggerThreshold.IntervalTicks != 0)
        {
            return Outcome.Undecided;
        }

        long[] failuresCanary = [_canary.Requests - _canary.Failures, _canary.Failures];
        long[] failuresPrimary = [_primary.Requests - _primary.Failures, _primary.Failures];
        var passed = 0;
        foreach (var (p, higher) in (ReadOnlySpan<(double, bool)>)[MannWhitney.Test(failuresCanary, failuresPrimary), MannWhitney.Test(_canary.Buckets, _primary.Buckets)])
        {
            if (!(higher && p < Alpha))
            {
                passed++;
            }
        }

        if (100.0 * passed / 2 < MarginalScore)
        {
            return Outcome.RolledBack;
        }

        if (Weight < FlaggerThreshold.MaxWeight)
        {
            Weight += FlaggerThreshold.StepWeight;
            return Outcome.Undecided;
        }

        return Outcome.Promoted;
    }
}
