using System.Globalization;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Rollouts;

/// <summary>Flagger's webhooks in the scheduler (pkg/controller/scheduler_hooks.go): which type is called where,
/// with which phase in its payload, and what its answer does. The machine stays pure: a hook it needs and has no
/// answer for ends the step undecided (<see cref="CanaryStep.Pending"/>); the controller calls it and runs the
/// step again with the answer, so the hooks are called lazily, in Flagger's order, each at most once a step.</summary>
public static partial class CanaryStateMachine
{
    /// <summary>Thrown inside a step to ask for a webhook's answer; never leaves <see cref="Next"/>.</summary>
#pragma warning disable CA1032, CA1064 // private control flow of the pure step, never seen outside it
    private sealed class HookNeededException(CanaryHookCall call) : Exception
#pragma warning restore CA1032, CA1064
    {
        public CanaryHookCall Call { get; } = call;
    }

    private sealed partial class Stepper
    {
        private readonly List<CanaryEvent> _newEvents = [];
        private readonly List<CanaryAlert> _alerts = [];

        private CanaryHookResult Call(int index, string phase) =>
            observed.HookResults.TryGetValue(index, out var result) ? result : throw new HookNeededException(new CanaryHookCall(index, phase));

        private IEnumerable<(int Index, CanaryWebhook Hook)> Hooks(string type) =>
            _analysis.Webhooks.Select((h, i) => (i, h)).Where(x => x.h.Type == type);

        // Flagger's runConfirmRolloutHooks, before a new revision is scaled up: the first closed gate holds the
        // canary in Waiting (one event and alert when it starts waiting).
        private bool ConfirmRollout()
        {
            foreach (var (index, hook) in Hooks(CanaryHookTypes.ConfirmRollout))
            {
                if (!Call(index, _status.Phase).Passed)
                {
                    if (_status.Phase != CanaryPhases.Waiting)
                    {
                        SetPhase(CanaryPhases.Waiting, "Unknown", "Waiting for approval.");
                        Event("Warning", $"Halt {Name} advancement waiting for approval {hook.Name}");
                        Alert(hook, "Canary is waiting for approval.", "warn");
                    }

                    return false;
                }

                Event("Normal", $"Confirm-rollout check {hook.Name} passed");
            }

            return true;
        }

        // Flagger's runRollbackHooks: the first hook that answers 2xx rolls the canary back.
        private bool RollbackRequested()
        {
            foreach (var (index, hook) in Hooks(CanaryHookTypes.Rollback))
            {
                if (Call(index, _status.Phase).Passed)
                {
                    Event("Warning", $"Rollback check {hook.Name} passed");
                    Event("Warning", $"Rolling back {Name} manual webhook invoked");
                    _alerts.Add(new CanaryAlert("Rolling back manual webhook invoked", "warn", false, WeightFacts()));
                    return true;
                }

                // Flagger records "Rollback hook … not signaling a rollback" at every poll; Kubernetes folds those
                // events into one, the status's event list would not, so nothing is recorded.
            }

            return false;
        }

        // Flagger's runPreRolloutHooks: at the first step; a failure is a failed check.
        private bool PreRollout()
        {
            foreach (var (index, hook) in Hooks(CanaryHookTypes.PreRollout))
            {
                var result = Call(index, CanaryPhases.Progressing);
                if (!result.Passed)
                {
                    Event("Warning", $"Halt {Name} advancement pre-rollout check {hook.Name} failed {result.Message}");
                    return false;
                }

                Event("Normal", $"Pre-rollout check {hook.Name} passed");
            }

            return true;
        }

        // Flagger's runAnalysis, external checks first: rollout hooks; a failure is a failed check.
        private bool RolloutHooks()
        {
            foreach (var (index, hook) in Hooks(CanaryHookTypes.Rollout))
            {
                var result = Call(index, CanaryPhases.Progressing);
                if (!result.Passed)
                {
                    Event("Warning", $"Halt {Name} advancement external check {hook.Name} failed {result.Message}");
                    return false;
                }
            }

            return true;
        }

        // Flagger's runConfirmTrafficIncreaseHooks: a closed gate holds the weight; it is not a failed check.
        private bool ConfirmTrafficIncrease()
        {
            foreach (var (index, hook) in Hooks(CanaryHookTypes.ConfirmTrafficIncrease))
            {
                if (!Call(index, CanaryPhases.Progressing).Passed)
                {
                    Event("Warning", $"Halt {Name} advancement waiting for traffic increase approval {hook.Name}");
                    Alert(hook, "Canary traffic increase is waiting for approval.", "warn");
                    return false;
                }

                Event("Normal", $"Confirm-traffic-increase check {hook.Name} passed");
            }

            return true;
        }

        // Flagger's runConfirmPromotionHooks: a closed gate holds the canary in WaitingPromotion, where the
        // analysis goes on (and can still roll it back).
        private bool ConfirmPromotion()
        {
            foreach (var (index, hook) in Hooks(CanaryHookTypes.ConfirmPromotion))
            {
                if (!Call(index, CanaryPhases.Progressing).Passed)
                {
                    if (_status.Phase != CanaryPhases.WaitingPromotion)
                    {
                        SetPhase(CanaryPhases.WaitingPromotion, "Unknown", "Waiting for approval.");
                        Event("Warning", $"Halt {Name} advancement waiting for promotion approval {hook.Name}");
                        Alert(hook, "Canary promotion is waiting for approval.", "warn");
                    }

                    return false;
                }

                Event("Normal", $"Confirm-promotion check {hook.Name} passed");
            }

            return true;
        }

        // Flagger's runPostRolloutHooks, after promotion (Succeeded) or rollback (Failed): only recorded.
        private void PostRollout(string phase)
        {
            foreach (var (index, hook) in Hooks(CanaryHookTypes.PostRollout))
            {
                var result = Call(index, phase);
                if (!result.Passed)
                {
                    Event("Warning", $"Post-rollout hook {hook.Name} failed {result.Message}");
                    return;
                }

                Event("Normal", $"Post-rollout check {hook.Name} passed");
            }
        }

        private void Alert(CanaryWebhook hook, string message, string severity)
        {
            if (!hook.MuteAlert)
            {
                _alerts.Add(new CanaryAlert(message, severity, false, WeightFacts()));
            }
        }

        private void Alert(string message, string severity, bool withMetadata = false) =>
            _alerts.Add(new CanaryAlert(message, severity, withMetadata, WeightFacts()));

        // What the people reading an alert need (Flagger's alerts lack it): the weight, and each failing metric
        // with its value and the range it was held against.
        private List<KeyValuePair<string, string>> WeightFacts()
        {
            var facts = new List<KeyValuePair<string, string>>
            {
                new("Canary weight", _status.CanaryWeight.ToString(CultureInfo.InvariantCulture) + "%"),
            };
            foreach (var m in _status.Metrics.Where(m => !m.Passed))
            {
                var range = (m.Min, m.Max) switch
                {
                    ({ } min, { } max) => $"{Format(min)}..{Format(max)}",
                    ({ } min, null) => $">= {Format(min)}",
                    (null, { } max) => $"<= {Format(max)}",
                    _ => "",
                };
                facts.Add(new(m.Name, m.Value is { } v ? $"{Format(v)} (wanted {range})" : $"no values (wanted {range})"));
            }

            return facts;
        }
    }
}
