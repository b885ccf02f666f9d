using System.Globalization;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Rollouts;

/// <summary>Linnet's operations on top of Flagger's scheduler: manual commands (promote, abort, pause, resume,
/// rollback) taken from the status where the API recorded them, and warm rollback: at promotion the previous
/// primary keeps running as <c>&lt;target&gt;-standby</c>; for <c>analysis.rollbackWindow</c> after the promotion
/// the analysis watches the new primary, and a breach or a rollback command moves all traffic to the standby in
/// one route change, then rewrites the primary to the previous spec and moves traffic back once it is ready.</summary>
public static partial class CanaryStateMachine
{
    /// <summary>Whether the analysis watches the promoted primary (inside the rollback window) rather than the canary.</summary>
    public static bool WatchesPrimary(CanaryResource canary)
    {
        ArgumentNullException.ThrowIfNull(canary);
        return canary.Status is { Phase: CanaryPhases.Succeeded, Paused: false, Standby: { Serving: false, Until: not null } } && !canary.Spec.SkipAnalysis;
    }

    /// <summary>The Workload whose inbound metrics this step's analysis reads.</summary>
    public static string MetricsWorkload(CanaryResource canary) =>
        WatchesPrimary(canary) ? CanaryObjects.PrimaryName(canary) : canary.Spec.TargetName;

    private sealed partial class Stepper
    {
        private string StandbyName => $"{CanaryStandbyObjects.WorkloadName(canary)}.{canary.Metadata.Namespace}";

        // Runs before Flagger's phases: a pending command first, then a pause holds everything, then the standby.
        private CanaryStep? Operate(WorkloadResource target, WorkloadResource primary, bool isNewRevision)
        {
            if (_status.Command is { Outcome: CanaryCommands.Pending } command)
            {
                return Command(command, target, primary);
            }

            if (_status.Paused)
            {
                return Done();
            }

            return _status.Standby is { } standby ? Standby(standby, target, primary, isNewRevision) : null;
        }

        private CanaryStep Command(CanaryCommand command, WorkloadResource target, WorkloadResource primary)
        {
            var warm = _status.Phase == CanaryPhases.Succeeded;
            var refusal = CanaryCommands.Refusal(canary, command.Action);
            if (refusal is null && command.Action == CanaryCommands.Promote && !IsReady(target, observed.TargetReady, _analysis.CanaryReadyThreshold))
            {
                refusal = $"the canary is not ready ({observed.TargetReady.ToString(CultureInfo.InvariantCulture)} of {target.Spec.Replicas.ToString(CultureInfo.InvariantCulture)} instances): it cannot take the traffic";
            }

            if (refusal is null && command.Action == CanaryCommands.Rollback && warm && observed.StandbyReady == 0)
            {
                refusal = $"the previous primary {StandbyName} has no ready instance to take the traffic";
            }

            if (refusal is not null)
            {
                _status = _status with { Command = command with { Outcome = CanaryCommands.Refused, Message = refusal } };
                Event("Warning", $"Manual {command.Action} of {Name} by {command.By} refused: {refusal}");
                return Done();
            }

            var message = command.Action switch
            {
                CanaryCommands.Pause => $"Paused by {command.By}: holding {Name} at canary weight {_status.CanaryWeight.ToString(CultureInfo.InvariantCulture)}",
                CanaryCommands.Resume => $"Resumed by {command.By}: continuing the analysis of {Name}",
                CanaryCommands.Promote => $"Manual promotion of {Name} by {command.By}: skipping the remaining steps",
                CanaryCommands.Abort => $"Aborted by {command.By}: routing all traffic of {Name} to the primary",
                _ when warm => $"Manual rollback of {Name} by {command.By}: all traffic back to {StandbyName} (the previous primary)",
                _ => $"Manual rollback of {Name} by {command.By}: routing all traffic to the primary",
            };
            _status = _status with { Command = command with { Outcome = CanaryCommands.Applied, Message = message }, Paused = command.Action == CanaryCommands.Pause };
            Event(command.Action is CanaryCommands.Abort or CanaryCommands.Rollback ? "Warning" : "Normal", message);
            switch (command.Action)
            {
                case CanaryCommands.Promote:
                    if (_analysis.Strategy != CanaryStrategies.Canary)
                    {
                        // Flagger's blue/green and A/B promotion path: all traffic to the canary, then the copy.
                        _writes.Add(Routed(0, 100, abMatch: false));
                        _status = _status with { CanaryWeight = 100 };
                        Event("Normal", "Routing all traffic to canary");
                    }

                    return Promote(target, primary);
                case CanaryCommands.Abort:
                    return RollBack(target);
                case CanaryCommands.Rollback when warm:
                    return WarmRollback(_status.Standby!, target, primary);
                case CanaryCommands.Rollback:
                    return RollBack(target);
                default:
                    return Done();
            }
        }

        // Called by Promote: the primary is about to be rewritten, so its spec goes on running as the standby.
        private void KeepPreviousPrimary(WorkloadResource primary, WorkloadSpec promoted)
        {
            if (_analysis.RollbackWindow <= TimeSpan.Zero || (primary.Spec with { Replicas = 0 }).Equals(promoted with { Replicas = 0 }))
            {
                return;
            }

            _writes.Add(CanaryStandbyObjects.Workload(canary, primary, _label, Math.Max(primary.Spec.Replicas, 1), observed.Standby?.Metadata));
            _writes.Add(CanaryStandbyObjects.Service(canary, _label));
            _status = _status with { Standby = new CanaryStandby(_status.LastPromotedSpec, null, false) };
            Event("Normal", $"Keeping the previous primary running as {StandbyName} for a warm rollback");
        }

        private CanaryStep? Standby(CanaryStandby standby, WorkloadResource target, WorkloadResource primary, bool isNewRevision)
        {
            if (standby.Serving)
            {
                return BackToPrimary(standby, primary);
            }

            if (standby.Weight is not null)
            {
                // A stepped rollback goes on until the standby carries everything, whatever else happens meanwhile.
                return WarmRollback(standby, target, primary);
            }

            switch (_status.Phase)
            {
                case CanaryPhases.Promoting:
                    return null;
                case CanaryPhases.Finalising when standby.Until is null:
                    // Flagger's Finalising step runs next (to Succeeded); the window starts with it.
                    var until = observed.Now + _analysis.RollbackWindow;
                    _status = _status with { Standby = standby with { Until = until }, FailedChecks = 0 };
                    _writes.Add(StandbyRouted(0));
                    Event("Normal", $"Keeping {StandbyName} (the previous primary) warm until {until.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}Z: a failed analysis or `linnet canary rollback {canary.Metadata.Name}` moves all traffic back to it at once");
                    return null;
                case CanaryPhases.Succeeded when isNewRevision:
                    EndStandby($"New revision detected: scaling down {StandbyName}");
                    return null;
                case CanaryPhases.Succeeded when standby.Until is not { } end || observed.Now >= end:
                    EndStandby($"Rollback window of {GoDuration.Format(_analysis.RollbackWindow)} ended: scaling down {StandbyName}");
                    _writes.Add(Routed(100, 0, abMatch: false));
                    return Done();
                case CanaryPhases.Succeeded:
                    return WatchPrimary(standby, target, primary);
                case CanaryPhases.Failed or CanaryPhases.Initialized when !isNewRevision:
                    // Back on the primary since the last step: nothing reaches the standby any more.
                    EndStandby($"Scaling down {StandbyName}");
                    _writes.Add(Routed(100, 0, abMatch: false));
                    return Done();
                default:
                    EndStandby($"Scaling down {StandbyName}");
                    return null;
            }
        }

        // Inside the rollback window: the new primary's metrics against the same ranges; no values (no traffic)
        // is no evidence against a version that passed its analysis, so it fails nothing here.
        private CanaryStep WatchPrimary(CanaryStandby standby, WorkloadResource target, WorkloadResource primary)
        {
            if (canary.Spec.SkipAnalysis || _analysis.Metrics.Count == 0)
            {
                return Done();
            }

            if (_analysis.Metrics.Any(m => observed.MetricValues.GetValueOrDefault(m.Name) is null))
            {
                return Warn($"No values for the metrics of {CanaryObjects.PrimaryName(canary)}.{canary.Metadata.Namespace} (no traffic): the rollback window keeps watching");
            }

            if (Analyse())
            {
                return Done();
            }

            _status = _status with { FailedChecks = _status.FailedChecks + 1 };
            if (_status.FailedChecks < _analysis.Threshold)
            {
                return Done();
            }

            Event("Warning", $"Rolling back {Name} after promotion: failed checks threshold reached {_status.FailedChecks.ToString(CultureInfo.InvariantCulture)}");
            return WarmRollback(standby, target, primary);
        }

        // One commit: the route sends everything to the standby (already running, already known to every proxy as a
        // backend of weight 0), and the primary is rewritten to the previous spec, out of traffic. A standby with fewer
        // ready instances than the primary it replaces (some failed, or the primary was scaled up since) is not handed
        // all the traffic at once: it is scaled to the primary's replicas and takes, step by step, the share its ready
        // instances can carry, until it can carry all of it.
        private CanaryStep WarmRollback(CanaryStandby standby, WorkloadResource target, WorkloadResource primary)
        {
            if (observed.Standby is not { } previous || observed.StandbyReady == 0)
            {
                return Warn($"Cannot roll back {Name} to {StandbyName}: it has no ready instance");
            }

            var needed = Math.Max(primary.Spec.Replicas, 1);
            if (observed.StandbyReady < needed)
            {
                if (previous.Spec.Replicas < needed)
                {
                    _writes.Add(previous with { Spec = previous.Spec with { Replicas = needed } });
                }

                // Never back down: traffic already moved stays moved.
                var share = Math.Max(Math.Clamp(100 * observed.StandbyReady / needed, 1, 99), standby.Weight ?? 0);
                _writes.Add(StandbyRouted(share));
                if (standby.Weight != share)
                {
                    Event("Warning", $"Rolling back {Name} step by step: {StandbyName} has {observed.StandbyReady.ToString(CultureInfo.InvariantCulture)} of {needed.ToString(CultureInfo.InvariantCulture)} instances ready, so it takes {share.ToString(CultureInfo.InvariantCulture)} % of the traffic until it can take all of it");
                }

                _status = _status with { Standby = standby with { Weight = share } };
                return Done();
            }

            _writes.Add(StandbyRouted(100));
            _writes.Add(CanaryObjects.Primary(canary, target, previous.Spec with { Replicas = Math.Max(primary.Spec.Replicas, 1) }, _label, primary.Metadata));
            _status = _status with { Standby = standby with { Serving = true, Weight = null }, LastPromotedSpec = standby.Spec, CanaryWeight = 0 };
            SetPhase(CanaryPhases.Failed, "False", "Rolled back to the previous primary after promotion.");
            Event("Warning", $"Rolled back {Name}: all traffic on {StandbyName} (the previous primary)");
            return Done();
        }

        // The primary runs the previous spec again: once ready, traffic goes back to it; the standby keeps weight 0
        // for one more step so that requests already on their way to it finish, then it is scaled down.
        private CanaryStep BackToPrimary(CanaryStandby standby, WorkloadResource primary)
        {
            var ready = observed.PrimaryReady;
            if (!IsReady(primary, ready, _analysis.PrimaryReadyThreshold))
            {
                return Warn($"Waiting for {CanaryObjects.PrimaryName(canary)}.{canary.Metadata.Namespace} to run the previous version: {ready.ToString(CultureInfo.InvariantCulture)} of {primary.Spec.Replicas.ToString(CultureInfo.InvariantCulture)} instances ready");
            }

            _writes.Add(StandbyRouted(0));
            _status = _status with { Standby = standby with { Serving = false, Until = observed.Now } };
            Event("Normal", $"Routing all traffic to {CanaryObjects.PrimaryName(canary)}.{canary.Metadata.Namespace}, running the previous version again");
            return Done();
        }

        // Flagger's gatewayapi router: during the iterations the weighted rule also mirrors to the canary's Service.
        private HttpRouteResource Mirrored(HttpRouteResource route)
        {
            if (!_analysis.Mirror)
            {
                return route;
            }

            var rule = route.Spec.Rules[^1];
            var mirror = new RequestMirror(new BackendRef($"{CanaryObjects.ApexName(canary)}-canary", null, canary.Spec.Service.Port, 0), _analysis.MirrorWeight);
            var mirrored = rule with { Filters = rule.Filters with { RequestMirror = mirror } };
            return route with { Spec = route.Spec with { Rules = [.. route.Spec.Rules.SkipLast(1), mirrored] } };
        }

        // Flagger's message for a custom metric out of its range.
        private string TemplateHalt(CanaryMetric metric, double value) =>
            metric.Min is { } min && value < min
                ? $"Halt {Name} advancement {metric.Name} {value.ToString("0.##", CultureInfo.InvariantCulture)} < {min.ToString(CultureInfo.InvariantCulture)}"
                : $"Halt {Name} advancement {metric.Name} {value.ToString("0.##", CultureInfo.InvariantCulture)} > {metric.Max?.ToString(CultureInfo.InvariantCulture)}";

        private void EndStandby(string message)
        {
            if (observed.Standby is { } standby && standby.Spec.Replicas != 0)
            {
                _writes.Add(standby with { Spec = standby.Spec with { Replicas = 0 } });
            }

            _status = _status with { Standby = null };
            Event("Normal", message);
        }
    }
}
