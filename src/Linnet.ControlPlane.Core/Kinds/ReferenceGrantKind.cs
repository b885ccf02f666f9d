using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Kinds;

/// <summary>The <c>ReferenceGrant</c> kind (Gateway API).</summary>
internal static class ReferenceGrantKind
{
    public static ResourceKind Definition { get; } = new()
    {
        Name = ReferenceGrantResource.KindName,
        Plural = "referencegrants",
        ShortNames = ["refgrant"],
        ApiVersions = ReferenceGrantResource.Versions,
        Spec = KindSchema.Fields(
            ("from", KindSchema.Array(KindSchema.Fields(("group", KindSchema.Text()), ("kind", KindSchema.Text()), ("namespace", KindSchema.Text())).Requiring("group", "kind", "namespace"))),
            ("to", KindSchema.Array(KindSchema.Fields(("group", KindSchema.Text()), ("kind", KindSchema.Text()), ("name", KindSchema.Text())).Requiring("group", "kind")))).Requiring("from", "to"),
        Read = d => d.Metadata is null ? null : new ReferenceGrantResource { Metadata = d.Metadata, Spec = ManifestParser.ParseReferenceGrantSpec(d.Spec) },
        Write = (r, json) => json["spec"] = ResourceWriter.ReferenceGrantSpecJson(((ReferenceGrantResource)r).Spec),
    };
}
