using System.Globalization;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Rollouts;

/// <summary>Flagger's scheduler as a pure function: from the stored status and what was observed, the next
/// status and the resources to write. No I/O and no clock of its own, so a restarted control plane resumes
/// from the stored status, and every step is one commit. The order of checks is Flagger's
/// (pkg/controller/scheduler.go): initialise; a new revision starts (or restarts) the analysis; promotion
/// and finalising run to their end; readiness; the failed-checks threshold; analysis; then the strategy's
/// step (canary weights, or blue/green and A/B iterations).</summary>
public static partial class CanaryStateMachine
{
    /// <summary>Whether this step runs the analysis, so the controller must read the metrics first.</summary>
    public static bool NeedsMetrics(CanaryResource canary)
    {
        ArgumentNullException.ThrowIfNull(canary);
        var s = canary.Status;
        return !s.Paused && ((s.Phase is CanaryPhases.Progressing or CanaryPhases.WaitingPromotion && !canary.Spec.SkipAnalysis && (s.CanaryWeight > 0 || s.Iterations > 0)) || WatchesPrimary(canary));
    }

    /// <summary>The next step of <paramref name="canary"/> given <paramref name="observed"/>.</summary>
    public static CanaryStep Next(CanaryResource canary, CanaryObservation observed)
    {
        ArgumentNullException.ThrowIfNull(canary);
        ArgumentNullException.ThrowIfNull(observed);
        if (observed.LookOnly && !NeedsJudgeCounts(canary))
        {
            // A look between steps is only for a sequential analysis under way; anything else waits for its step.
            return new CanaryStep(canary.Status, []);
        }

        var stepper = new Stepper(canary, observed);
        try
        {
            return stepper.Run();
        }
        catch (HookNeededException needed)
        {
            // Undecided until the hook answers: nothing is written, the controller calls it and asks again.
            return new CanaryStep(canary.Status, []) { Pending = [needed.Call] };
        }
    }

    private sealed partial class Stepper(CanaryResource canary, CanaryObservation observed)
    {
        private readonly List<Resource> _writes = [];
        private readonly CanaryAnalysis _analysis = canary.Spec.Analysis;
        private CanaryStatus _status = canary.Status;
        private string _label = "";

        private string Name => $"{canary.Spec.TargetName}.{canary.Metadata.Namespace}";

        public CanaryStep Run()
        {
            if (_status.Phase is CanaryPhases.Terminating or CanaryPhases.Terminated)
            {
                return Terminate();
            }

            if (canary.Spec.Suspend)
            {
                return Done();
            }

            if (observed.Target is not { } target)
            {
                return Warn($"{canary.Spec.TargetName}.{canary.Metadata.Namespace} not found: the target Workload does not exist", onlyOnce: true);
            }

            if (CanaryObjects.SelectorLabel(target) is not { } label)
            {
                return Warn($"Workload {Name} has none of the labels {string.Join(", ", CanaryObjects.SelectorLabels)}: the services need one to select its instances", onlyOnce: true);
            }

            _label = label;
            var hash = CanaryObjects.SpecHash(target);
            if (_status.Phase is "" or CanaryPhases.Initializing)
            {
                return Initialize(target, hash);
            }

            var primary = observed.Primary;
            if (primary is null)
            {
                // Deleted behind our back: recreate it from the target's spec.
                return Initialize(target, hash);
            }

            // Keep what the controller owns as it should be (idempotent: the store drops identical puts).
            foreach (var service in CanaryObjects.Services(canary, target, _label))
            {
                _writes.Add(service);
            }

            var isNewRevision = hash != _status.LastAppliedSpec;
            if (Operate(target, primary, isNewRevision) is { } operated)
            {
                return operated;
            }

            switch (_status.Phase)
            {
                case CanaryPhases.Initialized or CanaryPhases.Succeeded or CanaryPhases.Failed when !isNewRevision:
                    ScaleTarget(target, 0);
                    return Done();
                case CanaryPhases.Initialized or CanaryPhases.Succeeded or CanaryPhases.Failed or CanaryPhases.Waiting:
                    if (_status.Phase == CanaryPhases.Waiting && RollbackRequested())
                    {
                        // The revision waiting for approval is rejected: it counts as failed until the next one.
                        _status = _status with { LastAppliedSpec = hash };
                        return RollBack(target);
                    }

                    return ConfirmRollout() ? StartAnalysis(target, primary, hash, restart: false) : Done();
                case CanaryPhases.Progressing or CanaryPhases.WaitingPromotion when isNewRevision:
                    return StartAnalysis(target, primary, hash, restart: true);
                case CanaryPhases.Promoting:
                    return Promoting(primary);
                case CanaryPhases.Finalising:
                    ScaleTarget(target, 0);
                    SetPhase(CanaryPhases.Succeeded, "True", "Canary analysis completed successfully, promotion finished.");
                    _status = _status with { LastPromotedSpec = _status.LastAppliedSpec };
                    PostRollout(CanaryPhases.Succeeded);
                    Event("Normal", $"Promotion completed! Scaling down {Name}");
                    Alert("Canary analysis completed successfully, promotion finished.", "info");
                    return Done();
                default:
                    return Progressing(target, primary);
            }
        }

        // Flagger's order, which keeps initialization hitless: the primary first (with its -primary and -canary
        // Services, which nothing routes to yet); once it is ready, the apex Service and the route move to it in one
        // commit; only at the next step is the target scaled to zero, and the supervisor stops its instances only
        // after every proxy has applied their removal, so none still sends them requests (docs/progressive-delivery.md).
        private CanaryStep Initialize(WorkloadResource target, string hash)
        {
            var primary = observed.Primary;
            if (_status.Phase == "" || (primary is null && _status.Phase == CanaryPhases.Initializing))
            {
                var spec = target.Spec with { Replicas = Math.Max(target.Spec.Replicas, 1) };
                _writes.Add(CanaryObjects.Primary(canary, target, primary?.Spec ?? spec, _label, primary?.Metadata));
                _writes.AddRange(CanaryObjects.Services(canary, target, _label).Where(s => s.Metadata.Name != CanaryObjects.ApexName(canary)));
                if (_status.Phase == "")
                {
                    SetPhase(CanaryPhases.Initializing, "Unknown", "New deployment detected, starting initialization.");
                    _status = _status with { LastAppliedSpec = hash };
                    Event("Normal", $"Initializing {Name}: created {CanaryObjects.PrimaryName(canary)}; traffic moves to it once it is ready");
                }

                return Done();
            }

            if (primary is null)
            {
                // Deleted behind our back after initialization: recreate it and its routing at once (the apex already
                // selects it, so nothing is served until it is back).
                var spec = target.Spec with { Replicas = Math.Max(target.Spec.Replicas, 1) };
                _writes.Add(CanaryObjects.Primary(canary, target, spec, _label, null));
                _writes.AddRange(CanaryObjects.Services(canary, target, _label));
                _writes.Add(Routed(100, 0, abMatch: false));
                return Done();
            }

            if (!IsReady(primary, observed.PrimaryReady, _analysis.PrimaryReadyThreshold))
            {
                return Warn($"Waiting for {CanaryObjects.PrimaryName(canary)}.{canary.Metadata.Namespace} to be ready: {observed.PrimaryReady} of {primary.Spec.Replicas} instances ready", onlyOnce: true);
            }

            // The primary serves from here on: the apex Service selects it and the route sends it everything. Recorded
            // as the promoted spec in the same commit, so a restarted control plane knows this step is done.
            _writes.AddRange(CanaryObjects.Services(canary, target, _label));
            _writes.Add(Routed(100, 0, abMatch: false));
            if (_status.LastPromotedSpec != hash)
            {
                _status = _status with { LastAppliedSpec = hash, LastPromotedSpec = hash };
                Event("Normal", $"Routing all traffic of {CanaryObjects.ApexName(canary)}.{canary.Metadata.Namespace} to {CanaryObjects.PrimaryName(canary)}.{canary.Metadata.Namespace}");
                return Done();
            }

            ScaleTarget(target, 0);
            SetPhase(CanaryPhases.Initialized, "True", "Deployment initialization completed.");
            _status = _status with { LastAppliedSpec = hash, LastPromotedSpec = hash, CanaryWeight = 0, FailedChecks = 0, Iterations = 0 };
            Event("Normal", $"Initialization done! {Name}");
            Alert("New Workload detected, initialization completed.", "info", withMetadata: true);
            return Done();
        }

        private CanaryStep StartAnalysis(WorkloadResource target, WorkloadResource primary, string hash, bool restart)
        {
            _writes.Add(Routed(100, 0, abMatch: false));
            if (target.Spec.Replicas == 0)
            {
                // A spec change that kept replicas at 0 (an image update on the scaled-down target): Flagger scales
                // the canary up from zero to run it.
                ScaleTarget(target, Math.Max(primary.Spec.Replicas, 1));
            }

            SetPhase(CanaryPhases.Progressing, "Unknown", "New revision detected, progressing canary analysis.");
            _status = _status with { LastAppliedSpec = hash, CanaryWeight = 0, FailedChecks = 0, Iterations = 0, Metrics = [], Judge = null };
            Event("Normal", restart ? $"New revision detected! Restarting analysis for {Name}" : $"New revision detected! Scaling up {Name}");
            Alert(restart ? "New revision detected, restarting analysis." : "New revision detected, progressing canary analysis.", "info", withMetadata: true);
            return Done();
        }

        private CanaryStep Progressing(WorkloadResource target, WorkloadResource primary)
        {
            if (!IsReady(primary, observed.PrimaryReady, _analysis.PrimaryReadyThreshold))
            {
                return Warn($"Halt advancement {CanaryObjects.PrimaryName(canary)}.{canary.Metadata.Namespace} waiting for rollout to finish: {observed.PrimaryReady} of {primary.Spec.Replicas} instances ready");
            }

            if (!IsReady(target, observed.TargetReady, _analysis.CanaryReadyThreshold))
            {
                if (observed.Now - _status.LastTransitionTime > TimeSpan.FromSeconds(canary.Spec.ProgressDeadlineSeconds))
                {
                    Event("Warning", $"Canary {Name} has not become ready within progressDeadlineSeconds ({canary.Spec.ProgressDeadlineSeconds.ToString(CultureInfo.InvariantCulture)}s)");
                    Alert($"Progress deadline exceeded: {observed.TargetReady} of {target.Spec.Replicas} instances ready", "error");
                    return RollBack(target);
                }

                return Warn($"Halt advancement {Name} waiting for rollout to finish: {observed.TargetReady} of {target.Spec.Replicas} instances ready");
            }

            if (canary.Spec.SkipAnalysis)
            {
                Event("Normal", "Skipping analysis for " + Name);
                return Promote(target, primary);
            }

            // Flagger polls rollback hooks once a step, not at the judge's looks between steps.
            if (!observed.LookOnly && RollbackRequested())
            {
                return RollBack(target);
            }

            if (_status.FailedChecks >= _analysis.Threshold)
            {
                Event("Warning", $"Rolling back {Name} failed checks threshold reached {_status.FailedChecks.ToString(CultureInfo.InvariantCulture)}");
                Alert($"Failed checks threshold reached {_status.FailedChecks.ToString(CultureInfo.InvariantCulture)}", "error");
                return RollBack(target);
            }

            if (_status.CanaryWeight == 0 && _status.Iterations == 0)
            {
                Event("Normal", $"Starting canary analysis for {Name}");
                if (!PreRollout())
                {
                    _status = _status with { FailedChecks = _status.FailedChecks + 1 };
                    return Done();
                }

                StartJudge();
            }
            else if (IsSequential && Judge(target, primary) is { } judged)
            {
                return judged;
            }
            else if (!Analyse())
            {
                _status = _status with { FailedChecks = _status.FailedChecks + 1 };
                return Done();
            }

            if (IsSequential && HoldForJudge(target) is { } held)
            {
                return held;
            }

            return _analysis.Strategy == CanaryStrategies.Canary ? CanaryStep(target, primary) : IterationStep(target, primary);
        }

        private CanaryStep CanaryStep(WorkloadResource target, WorkloadResource primary)
        {
            if (_status.Phase == CanaryPhases.Progressing && !ConfirmTrafficIncrease())
            {
                return Done();
            }

            var weight = _status.CanaryWeight;
            if (weight < _analysis.MaxWeight)
            {
                var next = Math.Min(NextWeight(weight), 100);
                _writes.Add(Routed(100 - next, next, abMatch: false));
                _status = _status with { CanaryWeight = next };
                Event("Normal", $"Advance {Name} canary weight {next.ToString(CultureInfo.InvariantCulture)}");
                return Done();
            }

            return ConfirmPromotion() ? Promote(target, primary) : Done();
        }

        private CanaryStep IterationStep(WorkloadResource target, WorkloadResource primary)
        {
            var ab = _analysis.Strategy == CanaryStrategies.ABTesting;
            if (_status.Iterations < _analysis.Iterations)
            {
                _writes.Add(Mirrored(Routed(100, 0, abMatch: ab)));
                _status = _status with { Iterations = _status.Iterations + 1 };
                Event("Normal", $"Advance {Name} canary iteration {_status.Iterations.ToString(CultureInfo.InvariantCulture)}/{_analysis.Iterations.ToString(CultureInfo.InvariantCulture)}");
                return Done();
            }

            if (!ConfirmPromotion())
            {
                return Done();
            }

            // Flagger routes all traffic to the canary before it copies the spec to the primary.
            _writes.Add(Routed(0, 100, abMatch: false));
            _status = _status with { CanaryWeight = 100 };
            Event("Normal", "Routing all traffic to canary");
            return Promote(target, primary);
        }

        // Flagger's nextStepWeight: the next of stepWeights above the current weight (else the last), or the step.
        private int NextWeight(int current)
        {
            if (_analysis.StepWeights.Count == 0)
            {
                return current + _analysis.StepWeight;
            }

            foreach (var w in _analysis.StepWeights)
            {
                if (w > current)
                {
                    return w;
                }
            }

            return _analysis.StepWeights[^1];
        }

        private CanaryStep Promote(WorkloadResource target, WorkloadResource primary)
        {
            Event("Normal", $"Copying {Name} template spec to {CanaryObjects.PrimaryName(canary)}.{canary.Metadata.Namespace}");
            var spec = target.Spec with { Replicas = Math.Max(target.Spec.Replicas, 1) };
            KeepPreviousPrimary(primary, spec);
            _writes.Add(CanaryObjects.Primary(canary, target, spec, _label, primary.Metadata));
            SetPhase(CanaryPhases.Promoting, "Unknown", "Canary analysis completed, starting primary rolling update.");
            return Done();
        }

        private CanaryStep Promoting(WorkloadResource primary)
        {
            if (!IsReady(primary, observed.PrimaryReady, _analysis.PrimaryReadyThreshold))
            {
                return Warn($"{CanaryObjects.PrimaryName(canary)}.{canary.Metadata.Namespace} not ready yet: {observed.PrimaryReady} of {primary.Spec.Replicas} instances ready");
            }

            var step = _analysis.StepWeightPromotion;
            var canaryWeight = step > 0 && _analysis.Strategy == CanaryStrategies.Canary ? Math.Max(_status.CanaryWeight - step, 0) : 0;
            _writes.Add(Routed(100 - canaryWeight, canaryWeight, abMatch: false));
            _status = _status with { CanaryWeight = canaryWeight };
            if (canaryWeight > 0)
            {
                Event("Normal", $"Advance {Name} primary weight {(100 - canaryWeight).ToString(CultureInfo.InvariantCulture)}");
                return Done();
            }

            Event("Normal", $"Routing all traffic to primary");
            SetPhase(CanaryPhases.Finalising, "Unknown", "Canary analysis completed, routing all traffic to primary.");
            return Done();
        }

        private CanaryStep RollBack(WorkloadResource target, string? why = null)
        {
            _writes.Add(Routed(100, 0, abMatch: false));
            ScaleTarget(target, 0);
            _status = _status with { CanaryWeight = 0, Iterations = 0 };
            SetPhase(CanaryPhases.Failed, "False", why is null ? "Canary analysis failed, Deployment scaled to zero." : $"Canary analysis failed, Deployment scaled to zero: {why}.");
            Event("Warning", $"Canary failed! Scaling down {Name}");
            PostRollout(CanaryPhases.Failed);
            return Done();
        }

        // Flagger's built-in checks: no values (no traffic) fails the check, as do values outside the range.
        private bool Analyse()
        {
            if (!RolloutHooks())
            {
                return false;
            }

            var passed = true;
            var results = new List<CanaryMetricStatus>();
            foreach (var metric in _analysis.Metrics)
            {
                var value = observed.MetricValues.GetValueOrDefault(metric.Name);
                var ok = value is { } v && !(metric.Min is { } min && v < min) && !(metric.Max is { } max && v > max);
                results.Add(new CanaryMetricStatus(metric.Name, value, metric.Min, metric.Max, ok, observed.Now));
                if (ok)
                {
                    continue;
                }

                passed = false;
                Event("Warning", value switch
                {
                    null => $"Halt advancement no values found for {metric.Name} metric probably {Name} is not receiving traffic",
                    _ when metric.TemplateRef is not null => TemplateHalt(metric, value.Value),
                    _ when metric.Name == CanaryMetric.RequestSuccessRate && metric.Min is { } low && value < low => $"Halt {Name} advancement success rate {Format(value.Value)}% < {Format(low)}%",
                    _ when metric.Name == CanaryMetric.RequestSuccessRate => $"Halt {Name} advancement success rate {Format(value.Value)}% > {Format(metric.Max!.Value)}%",
                    _ when metric.Max is { } high && value > high => $"Halt {Name} advancement request duration {Format(value.Value)}ms > {Format(high)}ms",
                    _ => $"Halt {Name} advancement request duration {Format(value.Value)}ms < {Format(metric.Min!.Value)}ms",
                });
            }

            _status = _status with { Metrics = results };
            return passed;
        }

        private static string Format(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

        private static bool IsReady(WorkloadResource workload, int ready, int thresholdPercent) =>
            workload.Spec.Replicas > 0 && ready * 100 >= thresholdPercent * workload.Spec.Replicas;

        private void ScaleTarget(WorkloadResource target, int replicas)
        {
            if (target.Spec.Replicas != replicas)
            {
                _writes.Add(target with { Spec = target.Spec with { Replicas = replicas } });
            }
        }

        private void SetPhase(string phase, string promoted, string message)
        {
            _status = _status with
            {
                Phase = phase,
                LastTransitionTime = observed.Now,
                Promoted = new CanaryCondition("Promoted", promoted, phase, message, _status.Promoted?.Status == promoted ? _status.Promoted.LastTransitionTime : observed.Now),
            };
        }

        private CanaryStep Warn(string message, bool onlyOnce = true)
        {
            if (!onlyOnce || _status.Events.Count == 0 || _status.Events[^1].Message != message)
            {
                Event("Warning", message);
            }

            return Done();
        }

        private void Event(string type, string message)
        {
            var added = new CanaryEvent(observed.Now, type, message);
            _newEvents.Add(added);
            var events = _status.Events.Append(added);
            _status = _status with { Events = events.TakeLast(CanaryStatus.MaxEvents).ToList() };
        }

        private CanaryStep Done() => new(_status, _writes) { NewEvents = _newEvents, Alerts = _alerts };

        // Every route a step writes is made here (Flagger's SetRoutes): with session affinity, the cookies it routes by
        // are kept on the status in the same commit, so a restarted control plane routes by the same ones.
        private HttpRouteResource Routed(int primaryWeight, int canaryWeight, bool abMatch)
        {
            KeepSessionCookies(canaryWeight);
            return CanaryObjects.Route(canary, primaryWeight, canaryWeight, abMatch, _status);
        }

        private HttpRouteResource StandbyRouted(int standbyWeight)
        {
            KeepSessionCookies(0);
            return CanaryStandbyObjects.Route(canary, standbyWeight, _status);
        }

        // Flagger's getSessionAffinityRouteRules: while the canary takes traffic its cookie (and the primary's) is made
        // once and kept for the whole run; once it takes none, the run's cookie becomes the previous one, to be expired.
        private void KeepSessionCookies(int canaryWeight)
        {
            if (_analysis.SessionAffinity is not { } affinity)
            {
                return;
            }

            if (canaryWeight > 0)
            {
                var cookie = _status.SessionAffinityCookie.StartsWith(affinity.CookieName + "=", StringComparison.Ordinal)
                    ? _status.SessionAffinityCookie
                    : $"{affinity.CookieName}={observed.SessionCookieValue}";
                var primaryCookie = affinity.PrimaryCookieName is { } primaryName && !_status.PrimarySessionAffinityCookie.StartsWith(primaryName + "=", StringComparison.Ordinal)
                    ? $"{primaryName}={observed.PrimarySessionCookieValue}"
                    : _status.PrimarySessionAffinityCookie;
                _status = _status with { SessionAffinityCookie = cookie, PrimarySessionAffinityCookie = primaryCookie };
            }
            else if (_status.SessionAffinityCookie.Length > 0)
            {
                _status = _status with { PreviousSessionAffinityCookie = _status.SessionAffinityCookie, SessionAffinityCookie = "" };
            }
        }
    }
}
