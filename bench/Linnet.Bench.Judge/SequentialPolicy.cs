using Linnet.ControlPlane.Core.Judge;

namespace Linnet.Bench.Judge;

/// <summary>Linnet's sequential judge driving Flagger's weight schedule: it looks every
/// <paramref name="lookTicks"/> ticks (every 10 s scrape, or once per interval), rolls back or promotes the
/// moment it decides, and otherwise the weight steps by stepWeight each interval up to maxWeight, where the
/// canary stays until the judge decides. With <paramref name="holdOnEvidence"/>, a step is skipped while
/// either metric's evidence of harm is above 1 (the data lean towards a worse canary): fewer users meet a
/// suspect canary, and each canary failure weighs more at a low weight. With
/// <paramref name="minCanaryRequestsPerStep"/>, a step also waits until the canary has served that many
/// requests at the current weight (an experiment: the evidence per step made independent of the traffic rate).
/// With <paramref name="readPrimaryHistory"/> (as the controller does), the first look also passes the primary's
/// traffic before the analysis, from which the judge places the latency bound. With
/// <paramref name="undecidedIntervals"/> (the controller's <c>analysis.undecidedIntervals</c>), the canary is
/// rolled back after that many intervals at maxWeight without a decision, as the controller does; 0: it waits
/// there until the horizon.</summary>
internal sealed class SequentialPolicy(JudgeOptions options, int lookTicks, bool holdOnEvidence = false, long minCanaryRequestsPerStep = 0, bool readPrimaryHistory = true, int undecidedIntervals = 0) : IRolloutPolicy
{
    private readonly SequentialJudge _judge = new(options);
    private readonly Tally _primary = new();
    private readonly Tally _canary = new();
    private bool _suspect;
    private long _canaryAtStep;
    private SideCounts? _history;
    private int _intervalsAtMaxWeight;

    public int Weight { get; private set; } = FlaggerThreshold.StepWeight;

    public void Begin(Tally primaryHistory) => _history = readPrimaryHistory ? primaryHistory.ToSideCounts() : null;

    public Outcome Step(int tick, Tally primary, Tally canary)
    {
        _primary.Add(primary);
        _canary.Add(canary);
        if ((tick + 1) % lookTicks == 0)
        {
            var result = _judge.Observe(new JudgeInput(_primary.ToSideCounts(), _canary.ToSideCounts()), _history);
            _history = null;
            _suspect = holdOnEvidence && (result.FailureRate.EValue > 1 || result.Latency is { EValue: > 1 });
            switch (result.Verdict)
            {
                case JudgeVerdict.RollBack:
                    return Outcome.RolledBack;
                case JudgeVerdict.Promote:
                    return Outcome.Promoted;
            }
        }

        // The controller counts each interval at maxWeight, and at the last one it may take rolls the canary back.
        if ((tick + 1) % FlaggerThreshold.IntervalTicks == 0 && Weight >= FlaggerThreshold.MaxWeight && undecidedIntervals > 0
            && ++_intervalsAtMaxWeight >= undecidedIntervals)
        {
            return Outcome.GaveUp;
        }

        if ((tick + 1) % FlaggerThreshold.IntervalTicks == 0 && Weight < FlaggerThreshold.MaxWeight && !_suspect
            && _canary.Requests - _canaryAtStep >= minCanaryRequestsPerStep)
        {
            Weight += FlaggerThreshold.StepWeight;
            _canaryAtStep = _canary.Requests;
        }

        return Outcome.Undecided;
    }
}
