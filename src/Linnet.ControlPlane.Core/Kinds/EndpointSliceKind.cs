using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Kinds;

/// <summary>The <c>EndpointSlice</c> kind (<c>discovery.k8s.io/v1</c>): a Service's endpoints on Kubernetes.</summary>
internal static class EndpointSliceKind
{
    public static ResourceKind Definition { get; } = new()
    {
        Name = EndpointSliceResource.KindName,
        Plural = "endpointslices",
        ApiVersions = ["discovery.k8s.io/v1"],
        Author = KindAuthor.Platform,
        NotApplied = "EndpointSlice resources are read from the cluster (on Kubernetes a Service's endpoints), not applied",
        NoCrd = "a built-in Kubernetes kind (discovery.k8s.io/v1)",
        Read = d => d.Metadata is null ? null : new EndpointSliceResource { Metadata = d.Metadata, Spec = ManifestParser.ParseEndpointSliceSpec(d.Spec) },
        Write = (r, json) => json["spec"] = ResourceWriter.EndpointSliceSpecJson(((EndpointSliceResource)r).Spec),
    };
}
