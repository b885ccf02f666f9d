using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Rollouts;

/// <summary>Flagger's object model for a canary, in universal mode: <c>&lt;target&gt;-primary</c> Workload, the
/// apex Service (selecting the primary), <c>&lt;apex&gt;-primary</c> and <c>&lt;apex&gt;-canary</c> Services, and an
/// HTTPRoute on the apex Service whose backendRefs carry the weights (Flagger's gatewayapi router).</summary>
public static class CanaryObjects
{
    /// <summary>The labels Flagger selects pods by, in its default order (<c>--selector-labels</c>).</summary>
    public static IReadOnlyList<string> SelectorLabels { get; } = ["app", "name", "app.kubernetes.io/name"];

    /// <summary>The primary Workload's name.</summary>
    public static string PrimaryName(CanaryResource canary) => $"{canary.Spec.TargetName}-primary";

    /// <summary>The apex Service's (and the route's) name.</summary>
    public static string ApexName(CanaryResource canary) => canary.Spec.Service.Name ?? canary.Spec.TargetName;

    /// <summary>The label the target's instances are selected by; null when it has none of <see cref="SelectorLabels"/>.</summary>
    public static string? SelectorLabel(WorkloadResource target) => SelectorLabels.FirstOrDefault(target.Metadata.Labels.ContainsKey);

    /// <summary>A hash of the target's spec without its replicas (Flagger hashes the pod template): a different
    /// one is a new revision.</summary>
    public static string SpecHash(WorkloadResource target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return WorkloadSpecHash.Of(target.Spec);
    }

    /// <summary>The primary Workload running <paramref name="spec"/> (the target's, when promoting).</summary>
    public static WorkloadResource Primary(CanaryResource canary, WorkloadResource target, WorkloadSpec spec, string selectorLabel, ObjectMeta? existing)
    {
        var labels = new Dictionary<string, string>(target.Metadata.Labels, StringComparer.Ordinal) { [selectorLabel] = PrimaryName(canary) };

        // Keel's annotations stay on the target: an image update must go through the canary, not straight to the primary.
        var annotations = target.Metadata.Annotations.Where(a => !a.Key.StartsWith("keel.sh/", StringComparison.Ordinal)).ToDictionary(StringComparer.Ordinal);
        return new WorkloadResource
        {
            Metadata = new ObjectMeta { Name = PrimaryName(canary), Namespace = canary.Metadata.Namespace, Labels = labels, Annotations = annotations, ResourceVersion = existing?.ResourceVersion ?? 0 },
            Spec = spec,
        };
    }

    /// <summary>The apex, primary and canary Services.</summary>
    public static IReadOnlyList<ServiceResource> Services(CanaryResource canary, WorkloadResource target, string selectorLabel)
    {
        var apex = ApexName(canary);
        var service = canary.Spec.Service;
        var port = new ServicePort(service.PortName, service.Port, service.TargetPort ?? service.Port, null);
        ServiceResource Make(string name, string selected) => new()
        {
            Metadata = new ObjectMeta { Name = name, Namespace = canary.Metadata.Namespace },
            Spec = new ServiceSpec(new Dictionary<string, string> { [selectorLabel] = selected }, [port]),
        };

        var targetValue = target.Metadata.Labels[selectorLabel];
        return [Make(apex, PrimaryName(canary)), Make($"{apex}-primary", PrimaryName(canary)), Make($"{apex}-canary", targetValue)];
    }

    /// <summary>The route: every request split by weight, or (A/B) matching requests to the canary.</summary>
    public static HttpRouteResource Route(CanaryResource canary, int primaryWeight, int canaryWeight, bool abMatch)
    {
        var apex = ApexName(canary);
        var port = canary.Spec.Service.Port;
        BackendRef Primary(int weight) => new($"{apex}-primary", null, port, weight);
        BackendRef Canary(int weight) => new($"{apex}-canary", null, port, weight);
        var rules = new List<HttpRouteRule>();
        if (abMatch)
        {
            rules.Add(new HttpRouteRule(canary.Spec.Analysis.Match, [Primary(0), Canary(100)]));
        }

        rules.Add(new HttpRouteRule([], [Primary(primaryWeight), Canary(canaryWeight)]));
        return new HttpRouteResource
        {
            Metadata = new ObjectMeta { Name = apex, Namespace = canary.Metadata.Namespace },
            Spec = new HttpRouteSpec([new ParentRef(apex, null, port)], rules),
        };
    }
}
