using System.Globalization;
using Linnet.ControlPlane.Core.Judge;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Rollouts;

/// <summary>The sequential judge in the canary's steps (<c>analysis.judge: sequential</c>, docs/canary-judge.md):
/// at every look the window's counts are added to the judge's stored state and the new state goes on the
/// status in the same commit as the step, so a restarted control plane resumes from exactly the evidence it
/// had committed. A rollback or promotion acts at once, at any look; otherwise the weight steps once per
/// interval as Flagger's does, except while the evidence leans towards harm, and stays at maxWeight until the
/// judge decides (promotion needs evidence, not the end of a schedule) — for at most
/// <see cref="JudgeOptions.UndecidedIntervals"/> intervals, after which the canary is rolled back.</summary>
public static partial class CanaryStateMachine
{
    /// <summary>Whether this canary's analysis is judged sequentially and under way: the controller reads both
    /// sides' counts since <c>status.judge.lookedAt</c> (<see cref="CanaryObservation.JudgeWindow"/>) and may
    /// look between steps (<see cref="CanaryObservation.LookOnly"/>).</summary>
    public static bool NeedsJudgeCounts(CanaryResource canary)
    {
        ArgumentNullException.ThrowIfNull(canary);
        return canary.Spec.Analysis.Judge.Kind == JudgeKinds.Sequential && NeedsMetrics(canary) && canary.Status.CanaryWeight > 0;
    }

    private sealed partial class Stepper
    {
        private bool _holdForEvidence;

        private bool IsSequential => _analysis.Judge.Kind == JudgeKinds.Sequential;

        // The analysis starts with the first weight step: the first window begins at this commit.
        private void StartJudge()
        {
            if (IsSequential)
            {
                _status = _status with { Judge = CanaryJudgeStatus.Start(_analysis.Judge, observed.Now) };
            }
        }

        // One look: the step when the judge decided or when nothing else may happen (a look between steps, or no
        // counts read); null to go on with the threshold checks and the weight step.
        private CanaryStep? Judge(WorkloadResource target, WorkloadResource primary)
        {
            if (observed.JudgeWindow is not { } window)
            {
                return Done();
            }

            var stored = _status.Judge ?? CanaryJudgeStatus.Start(_analysis.Judge, observed.Now);
            var judge = new SequentialJudge(_analysis.Judge, stored.State);
            var result = judge.Observe(new JudgeInput(stored.State.Primary.Plus(window.Primary), stored.State.Canary.Plus(window.Canary)), observed.JudgePrimaryHistory);
            _status = _status with { Judge = new CanaryJudgeStatus(judge.State, observed.Now, result) { IntervalsAtMaxWeight = stored.IntervalsAtMaxWeight } };
            switch (result.Verdict)
            {
                case JudgeVerdict.RollBack:
                    Event("Warning", $"{Name} {result.Message}");
                    return RollBack(target);
                case JudgeVerdict.Promote:
                    Event("Normal", $"{Name} {result.Message}");
                    return Promote(target, primary);
            }

            _holdForEvidence = result.FailureRate.EValue > 1 || result.Latency is { EValue: > 1 };
            return observed.LookOnly ? Done() : null;
        }

        // After a look that did not decide and passing threshold checks: keep the weight while the evidence leans
        // towards harm (fewer users meet a suspect canary; the guarantee holds because each look's split is fixed
        // before its events are counted), and at maxWeight until the judge decides.
        // At maxWeight each interval is counted (on the status, so a restart neither forgets nor repeats one); the
        // last one the judge may take ends in a rollback: a canary not shown to be as good is not promoted.
        private CanaryStep? HoldForJudge(WorkloadResource target)
        {
            var weight = _status.CanaryWeight.ToString(CultureInfo.InvariantCulture);
            if (_status.CanaryWeight >= _analysis.MaxWeight && _status.Judge is { } judge)
            {
                var held = judge.IntervalsAtMaxWeight + 1;
                var limit = _analysis.Judge.UndecidedIntervals;
                var bound = limit.ToString(CultureInfo.InvariantCulture);
                _status = _status with { Judge = judge with { IntervalsAtMaxWeight = held } };
                if (held >= limit)
                {
                    var why = $"the judge did not decide within {bound} intervals at canary weight {weight} (analysis.undecidedIntervals)";
                    Event("Warning", $"Rolling back {Name}: {why}; {judge.Result.Message}");
                    Alert($"Rolling back: {why}", "error");
                    return RollBack(target, why);
                }

                return Note($"Waiting at canary weight {weight} for the judge to decide {Name} (at most {bound} intervals)");
            }

            return _holdForEvidence ? Note($"Halt {Name} advancement at canary weight {weight}: the evidence leans towards harm") : null;
        }

        // A Normal event, not repeated while it is the latest one.
        private CanaryStep Note(string message)
        {
            if (_status.Events.Count == 0 || _status.Events[^1].Message != message)
            {
                Event("Normal", message);
            }

            return Done();
        }
    }
}
