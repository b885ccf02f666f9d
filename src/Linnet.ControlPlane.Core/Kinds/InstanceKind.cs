using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Kinds;

/// <summary>The <c>Instance</c> kind (<c>linnet.io/v1alpha1</c>): what the universal platform runs.</summary>
internal static class InstanceKind
{
    public static ResourceKind Definition { get; } = new()
    {
        Name = InstanceResource.KindName,
        Plural = "instances",
        Aliases = ["inst"],
        ApiVersions = ["linnet.io/v1alpha1"],
        Author = KindAuthor.Platform,
        NotApplied = "Instance resources are written by the platform, not applied",
        NoCrd = "universal mode only: on Kubernetes the Pods are the instances",
        Read = d => d.Metadata is null ? null : new InstanceResource { Metadata = d.Metadata, Spec = ManifestParser.ParseInstanceSpec(d.Spec) },
        Write = (r, json) => json["spec"] = ResourceWriter.Spec(((InstanceResource)r).Spec),
    };
}
