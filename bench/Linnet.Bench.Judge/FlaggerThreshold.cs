namespace Linnet.Bench.Judge;

/// <summary>Flagger's canary analysis as fluxcd/flagger's scheduler runs it (pkg/controller/scheduler.go,
/// scheduler_metrics.go; Linkerd queries in pkg/metrics/observers/linkerd.go), with the typical settings
/// interval 1m, threshold 5, stepWeight 10, maxWeight 50, request-success-rate min 99, request-duration
/// max 500. Each interval, in this order: if failed checks ≥ threshold, roll back; else query the canary's
/// metrics over the last interval (its own traffic only: Flagger judges the canary alone) — no traffic
/// ("no values found") or a breached bound counts one failed check and the weight stays; passing checks
/// raise the weight by stepWeight, and at maxWeight a passing check promotes. Failed checks never reset
/// during an analysis. The first tick of a Flagger analysis sets the weight to stepWeight without
/// analysing; the simulation starts there.</summary>
internal sealed class FlaggerThreshold : IRolloutPolicy
{
    public const int IntervalTicks = 6;
    public const int Threshold = 5;
    public const int StepWeight = 10;
    public const int MaxWeight = 50;
    public const double MinSuccessRatePercent = 99;
    public const double MaxP99Ms = 500;

    private readonly Tally _interval = new();
    private int _failedChecks;

    public int Weight { get; private set; } = StepWeight;

    public Outcome Step(int tick, Tally primary, Tally canary)
    {
        _interval.Add(canary);
        if ((tick + 1) % IntervalTicks != 0)
        {
            return Outcome.Undecided;
        }

        var passed = Passes(_interval);
        _interval.Clear();
        if (_failedChecks >= Threshold)
        {
            return Outcome.RolledBack;
        }

        if (!passed)
        {
            _failedChecks++;
            return Outcome.Undecided;
        }

        if (Weight < MaxWeight)
        {
            Weight = Math.Min(MaxWeight, Weight + StepWeight);
            return Outcome.Undecided;
        }

        return Outcome.Promoted;
    }

    private static bool Passes(Tally canary)
    {
        // sum(rate(response_total{classification!="failure"})) / sum(rate(response_total)) * 100: NaN with
        // no traffic, which Flagger reports as "no values found" and counts as a failed check.
        if (canary.Requests == 0)
        {
            return false;
        }

        var successRate = 100.0 * (canary.Requests - canary.Failures) / canary.Requests;
        if (successRate < MinSuccessRatePercent)
        {
            return false;
        }

        return PrometheusQuantile.HistogramQuantile(0.99, canary.Buckets) <= MaxP99Ms;
    }
}
