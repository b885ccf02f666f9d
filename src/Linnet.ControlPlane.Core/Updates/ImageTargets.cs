using Linnet.Api.Validation;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;

namespace Linnet.ControlPlane.Core.Updates;

/// <summary>The <see cref="ImageTarget"/>s of the store: every Workload with an image and an image policy
/// (<see cref="ImagePolicies"/>), and every container of a Deployment whose <c>keel.sh/*</c> annotations (or labels)
/// name a policy, read by the same <see cref="KeelAnnotations"/> as a Workload's, with Keel's rules for Deployments:
/// the pod template's <c>containers</c> (not its init containers, which Keel tracks only with
/// <c>keel.sh/initContainers</c>, refused here as not supported), each only when its name matches
/// <c>keel.sh/monitorContainers</c> (an RE2 expression matched anywhere in the name) when that is set.</summary>
public static class ImageTargets
{
    /// <summary>Every target of <paramref name="snapshot"/>, policy <c>never</c> included (callers check
    /// <see cref="ImageUpdateSettings.Updates"/>).</summary>
    public static IReadOnlyList<ImageTarget> Of(StoreSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return Of(snapshot.Resources.Values, snapshot.OfKind<ImagePolicyResource>());
    }

    /// <summary>The targets of <paramref name="resources"/> (Workloads and Deployments; other kinds hold none), each
    /// Workload's settings from <paramref name="policies"/> or its annotations.</summary>
    public static IReadOnlyList<ImageTarget> Of(IEnumerable<Resource> resources, IEnumerable<ImagePolicyResource> policies)
    {
        ArgumentNullException.ThrowIfNull(resources);
        ArgumentNullException.ThrowIfNull(policies);
        var policyList = policies.ToList();
        var result = new List<ImageTarget>();
        foreach (var resource in resources)
        {
            switch (resource)
            {
                case WorkloadResource { Spec.Image: { } image } workload when ImagePolicies.For(workload, policyList) is { } settings && settings.MonitorsContainer(workload.Metadata.Name):
                    result.Add(new ImageTarget(workload, workload.Metadata.Name, image, settings));
                    break;
                case DeploymentResource deployment when SettingsOf(deployment) is { } settings:
                    result.AddRange(deployment.Spec.Containers
                        .Where(c => !c.Init && c.Image.Length > 0 && settings.MonitorsContainer(c.Name))
                        .Select(c => new ImageTarget(deployment, c.Name, c.Image, settings)));
                    break;
            }
        }

        return result;
    }

    /// <summary>The image update settings of a Deployment (its <c>keel.sh/*</c> annotations and labels); null when it
    /// names no policy or a value is invalid (<see cref="Problems"/> says which).</summary>
    public static ImageUpdateSettings? SettingsOf(DeploymentResource deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        return KeelAnnotations.ReadSettings(deployment.Metadata.Annotations, deployment.Metadata.Labels, []);
    }

    /// <summary>Why the <c>keel.sh/*</c> annotations and labels of a Deployment are not acted on (each with its path
    /// and reason; settings without a policy among them); empty when they are valid or absent.</summary>
    public static IReadOnlyList<FieldError> Problems(IReadOnlyDictionary<string, string> annotations, IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(annotations);
        ArgumentNullException.ThrowIfNull(labels);
        var errors = new List<FieldError>();
        if (KeelAnnotations.ReadSettings(annotations, labels, errors) is null && errors.Count == 0
            && annotations.Keys.Concat(labels.Keys).Any(k => k.StartsWith("keel.sh/", StringComparison.Ordinal)))
        {
            errors.Add(new FieldError("metadata.annotations." + KeelAnnotations.Policy, "is not set (nor as a label): the other keel.sh settings do nothing without a policy"));
        }

        return errors;
    }

    /// <summary>The settings of the Workload or Deployment <paramref name="kind"/> <paramref name="ns"/>/<paramref name="name"/>
    /// at <paramref name="snapshot"/>; null when it is gone or has none.</summary>
    public static ImageUpdateSettings? SettingsOf(StoreSnapshot snapshot, string kind, string ns, string name)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return snapshot.Resources.GetValueOrDefault(new ResourceKey(kind, ns, name)) switch
        {
            WorkloadResource workload => ImagePolicies.For(snapshot, workload),
            DeploymentResource deployment => SettingsOf(deployment),
            _ => null,
        };
    }
}
