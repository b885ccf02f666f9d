using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;

namespace Linnet.ControlPlane.Core.Updates;

/// <summary>Where a Workload's image update settings come from: the <see cref="ImagePolicyResource"/> of its
/// namespace that targets it, else its own <c>keel.sh/*</c> annotations (and labels, as Keel reads them). Both are
/// read into one <see cref="ImageUpdateSettings"/>; having both on one Workload is refused on apply
/// (<see cref="Conflict"/>), so there is never a question of which wins.</summary>
public static class ImagePolicies
{
    /// <summary>The settings of <paramref name="workload"/>; null when it has no image policy.</summary>
    public static ImageUpdateSettings? For(WorkloadResource workload, IEnumerable<ImagePolicyResource> policies)
    {
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(policies);
        foreach (var policy in policies)
        {
            if (policy.Metadata.Namespace == workload.Metadata.Namespace && policy.Spec.Workload == workload.Metadata.Name)
            {
                return policy.Spec.Settings;
            }
        }

        return KeelAnnotations.ReadSettings(workload.Metadata.Annotations, workload.Metadata.Labels, []);
    }

    /// <summary>The settings of <paramref name="workload"/> at <paramref name="snapshot"/>.</summary>
    public static ImageUpdateSettings? For(StoreSnapshot snapshot, WorkloadResource workload)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return For(workload, snapshot.OfKind<ImagePolicyResource>());
    }

    /// <summary>Why applying <paramref name="applied"/> over <paramref name="snapshot"/> would leave a Workload with
    /// its settings in two places (an ImagePolicy and <c>keel.sh/*</c> annotations or labels, or two ImagePolicies);
    /// null when it would not. Only what the apply touches is judged.</summary>
    public static string? Conflict(StoreSnapshot snapshot, IReadOnlyList<Resource> applied)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(applied);
        var state = new Dictionary<ResourceKey, Resource>(snapshot.Resources);
        var touched = new HashSet<ResourceKey>();
        foreach (var resource in applied)
        {
            state[resource.Key] = resource;
            touched.Add(resource.Key);
        }

        var byTarget = state.Values.OfType<ImagePolicyResource>()
            .OrderBy(p => p.Metadata.Namespace, StringComparer.Ordinal).ThenBy(p => p.Metadata.Name, StringComparer.Ordinal)
            .GroupBy(p => (p.Metadata.Namespace, p.Spec.Workload));
        foreach (var group in byTarget)
        {
            var (ns, name) = group.Key;
            var workloadKey = new ResourceKey(WorkloadResource.KindName, ns, name);
            var policies = group.ToList();
            if (!touched.Contains(workloadKey) && !policies.Any(p => touched.Contains(p.Key)))
            {
                continue;
            }

            if (policies.Count > 1)
            {
                return $"ImagePolicy {ns}/{policies[1].Metadata.Name} targets Workload {ns}/{name}, as ImagePolicy {ns}/{policies[0].Metadata.Name} does: one ImagePolicy per Workload";
            }

            if (state.GetValueOrDefault(workloadKey) is WorkloadResource workload && KeelKeys(workload.Metadata).FirstOrDefault() is { } key)
            {
                return $"Workload {ns}/{name} has {key} and ImagePolicy {ns}/{policies[0].Metadata.Name} targets it: its image update settings must be in one place (remove the keel.sh/* annotations and labels, or the ImagePolicy)";
            }
        }

        return null;
    }

    // The keel.sh settings written on a resource itself (annotations, then labels, as Keel reads both).
    private static IEnumerable<string> KeelKeys(ObjectMeta metadata) =>
        metadata.Annotations.Keys.Select(k => "annotation " + k).Concat(metadata.Labels.Keys.Select(k => "label " + k))
            .Where(k => k.Contains(" keel.sh/", StringComparison.Ordinal) || k.EndsWith(" " + KeelAnnotations.LegacyPolicy, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
}
