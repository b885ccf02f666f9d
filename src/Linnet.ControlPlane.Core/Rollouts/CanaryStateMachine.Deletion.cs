using System.Globalization;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Rollouts;

/// <summary>Flagger's finalizer for <c>revertOnDeletion</c> (pkg/controller/finalizer.go): a Canary deleted with it
/// is first marked <c>Terminating</c> (by the API); the target is scaled to the primary's replicas (from zero when
/// there is no primary), and once it is ready the apex Service selects it and the weighted route goes, in one commit
/// (phase <c>Terminated</c>); one step later, when no request is on its way to the primary any more, the primary,
/// the <c>-primary</c>/<c>-canary</c> Services, the standby and the Canary itself are removed.</summary>
public static partial class CanaryStateMachine
{
    private sealed partial class Stepper
    {
        private CanaryStep Terminate()
        {
            if (_status.Phase == CanaryPhases.Terminated)
            {
                Event("Normal", $"Finalization complete for {canary.Metadata.Name}.{canary.Metadata.Namespace}: removed {CanaryObjects.PrimaryName(canary)} and the services and route the canary made");
                return Done() with { Deletes = OwnedObjects(), DeletesCanary = true };
            }

            if (observed.Target is not { } target || CanaryObjects.SelectorLabel(target) is not { } label)
            {
                return Warn($"Cannot revert {Name}: the target Workload is missing or has none of the labels {string.Join(", ", CanaryObjects.SelectorLabels)}; delete the Canary again to remove it without reverting");
            }

            // Flagger: the target gets the primary's replicas (scaled from zero when there is no primary).
            var replicas = Math.Max(observed.Primary?.Spec.Replicas ?? target.Spec.Replicas, 1);
            ScaleTarget(target, replicas);
            var scaled = target with { Spec = target.Spec with { Replicas = replicas } };
            if (!IsReady(scaled, observed.TargetReady, _analysis.CanaryReadyThreshold))
            {
                return Warn($"Terminating {Name}: waiting for it to be ready before it takes the traffic back: {observed.TargetReady.ToString(CultureInfo.InvariantCulture)} of {replicas.ToString(CultureInfo.InvariantCulture)} instances ready");
            }

            // One config push: the apex selects the target and the route that split it between primary and canary goes.
            var apex = CanaryObjects.Services(canary, target, label)[0];
            _writes.Add(apex with { Spec = apex.Spec with { Selector = new Dictionary<string, string>(StringComparer.Ordinal) { [label] = target.Metadata.Labels[label] } } });
            SetPhase(CanaryPhases.Terminated, _status.Promoted?.Status ?? "Unknown", "Canary deleted with revertOnDeletion: the target serves again.");
            _status = _status with { CanaryWeight = 0 };
            Event("Normal", $"{Name} reverted: the Service {CanaryObjects.ApexName(canary)}.{canary.Metadata.Namespace} selects it again and takes all traffic");
            return Done() with { Deletes = [new ResourceKey(HttpRouteResource.KindName, canary.Metadata.Namespace, CanaryObjects.ApexName(canary))] };
        }

        private List<ResourceKey> OwnedObjects()
        {
            var ns = canary.Metadata.Namespace;
            var apex = CanaryObjects.ApexName(canary);
            return
            [
                new(HttpRouteResource.KindName, ns, apex),
                new(ServiceResource.KindName, ns, $"{apex}-primary"),
                new(ServiceResource.KindName, ns, $"{apex}-canary"),
                new(ServiceResource.KindName, ns, CanaryStandbyObjects.ServiceName(canary)),
                new(WorkloadResource.KindName, ns, CanaryObjects.PrimaryName(canary)),
                new(WorkloadResource.KindName, ns, CanaryStandbyObjects.WorkloadName(canary)),
            ];
        }
    }
}
