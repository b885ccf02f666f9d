using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Kinds;

/// <summary>The <c>Deployment</c> kind (<c>apps/v1</c>): a Workload's counterpart on Kubernetes.</summary>
internal static class DeploymentKind
{
    public static ResourceKind Definition { get; } = new()
    {
        Name = DeploymentResource.KindName,
        Plural = "deployments",
        ShortNames = ["deploy"],
        ApiVersions = ["apps/v1"],
        Author = KindAuthor.Platform,
        NotApplied = "Deployment resources are read from the cluster (apply them there with kubectl); in universal mode a Workload plays their part",
        NoCrd = "a built-in Kubernetes kind (apps/v1)",
        Read = d => d.Metadata is null ? null : new DeploymentResource { Metadata = d.Metadata, Spec = ManifestParser.ParseDeploymentSpec(d.Spec) },
        Write = (r, json) => json["spec"] = ResourceWriter.DeploymentSpecJson(((DeploymentResource)r).Spec),
    };
}
