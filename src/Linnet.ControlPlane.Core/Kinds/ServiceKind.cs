using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Kinds;

/// <summary>The <c>Service</c> kind (core <c>v1</c>).</summary>
internal static class ServiceKind
{
    public static ResourceKind Definition { get; } = new()
    {
        Name = ServiceResource.KindName,
        Plural = "services",
        ShortNames = ["svc"],
        ApiVersions = ["v1"],
        HasStatus = true,
        NoCrd = "a built-in Kubernetes kind (v1)",
        Read = d =>
        {
            var resource = d.Metadata is null ? null : new ServiceResource
            {
                Metadata = d.Metadata,
                Spec = ManifestParser.ParseServiceSpec(d.Spec),
                Status = d.ReadsStatus ? ManifestParser.ParseServiceStatus(d.Status) : ServiceStatus.Empty,
            };
            ManifestParser.CheckServiceAnnotations(d.Metadata, d.Errors);
            return resource;
        },
        Write = (r, json) => ResourceWriter.WriteService((ServiceResource)r, json),
    };
}
