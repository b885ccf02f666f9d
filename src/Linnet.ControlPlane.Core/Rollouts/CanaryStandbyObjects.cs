using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Rollouts;

/// <summary>Warm rollback's objects: the previous primary kept running as Workload <c>&lt;target&gt;-standby</c>
/// behind Service <c>&lt;apex&gt;-standby</c>, a third backendRef of the canary's route (weight 0 while it waits,
/// all of it after a rollback). The suffix fits the 55-character names the parser allows.</summary>
public static class CanaryStandbyObjects
{
    /// <summary>The standby Workload's name.</summary>
    public static string WorkloadName(CanaryResource canary) => $"{canary.Spec.TargetName}-standby";

    /// <summary>The standby Service's name.</summary>
    public static string ServiceName(CanaryResource canary) => $"{CanaryObjects.ApexName(canary)}-standby";

    /// <summary>The standby running <paramref name="previous"/>'s spec (the primary before a promotion), with
    /// <paramref name="replicas"/> instances.</summary>
    public static WorkloadResource Workload(CanaryResource canary, WorkloadResource previous, string selectorLabel, int replicas, ObjectMeta? existing)
    {
        var labels = new Dictionary<string, string>(previous.Metadata.Labels, StringComparer.Ordinal) { [selectorLabel] = WorkloadName(canary) };
        return new WorkloadResource
        {
            Metadata = new ObjectMeta { Name = WorkloadName(canary), Namespace = canary.Metadata.Namespace, Labels = labels, Annotations = previous.Metadata.Annotations, ResourceVersion = existing?.ResourceVersion ?? 0 },
            Spec = previous.Spec with { Replicas = replicas },
        };
    }

    /// <summary>The Service selecting the standby's instances.</summary>
    public static ServiceResource Service(CanaryResource canary, string selectorLabel)
    {
        var service = canary.Spec.Service;
        return new ServiceResource
        {
            Metadata = new ObjectMeta { Name = ServiceName(canary), Namespace = canary.Metadata.Namespace },
            Spec = new ServiceSpec(new Dictionary<string, string> { [selectorLabel] = WorkloadName(canary) }, [new ServicePort(service.PortName, service.Port, service.TargetPort ?? service.Port, null)]),
        };
    }

    /// <summary>The canary's route with the standby as a third backend of weight <paramref name="standbyWeight"/>
    /// (the rest to the primary), so that proxies already know its endpoints when a rollback moves traffic to it. With
    /// session affinity, the rule that expires the last run's cookie routes as the weighted rule does.</summary>
    public static HttpRouteResource Route(CanaryResource canary, int standbyWeight, CanaryStatus? status = null)
    {
        var route = CanaryObjects.Route(canary, 100 - standbyWeight, 0, abMatch: false, status);
        var standby = new BackendRef(ServiceName(canary), null, canary.Spec.Service.Port, standbyWeight);
        return route with { Spec = route.Spec with { Rules = [.. route.Spec.Rules.Select(rule => rule with { BackendRefs = [.. rule.BackendRefs, standby] })] } };
    }
}
