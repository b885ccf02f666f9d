using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Kinds;

/// <summary>The <c>Workload</c> kind (<c>linnet.io/v1alpha1</c>, universal mode).</summary>
internal static class WorkloadKind
{
    public static ResourceKind Definition { get; } = new()
    {
        Name = WorkloadResource.KindName,
        Plural = "workloads",
        Aliases = ["wl"],
        ApiVersions = ["linnet.io/v1alpha1"],
        NoCrd = "universal mode only: on Kubernetes a Deployment plays its part",
        Read = d => d.Metadata is null ? null : new WorkloadResource { Metadata = d.Metadata, Spec = ManifestParser.ParseWorkloadSpec(d.Spec) },
        Write = (r, json) => json["spec"] = ResourceWriter.Spec(((WorkloadResource)r).Spec),
    };
}
