using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Kinds;

/// <summary>The <c>ReleaseVerdict</c> kind: what a canary decided about an image update (control-plane records).</summary>
internal static class ReleaseVerdictKind
{
    public static ResourceKind Definition { get; } = new()
    {
        Name = ReleaseVerdictResource.KindName,
        Plural = "releaseverdicts",
        ApiVersions = ["linnet.io/v1alpha1"],
        Author = KindAuthor.ControlPlane,
        NotApplied = "ReleaseVerdict resources are written by the control plane when a canary decides, not applied (forget rolled-back versions with `linnet image-updates clear`)",
        Spec = KindSchema.Fields(
            ("workload", KindSchema.Text()), ("canary", KindSchema.Text()), ("image", KindSchema.Text()), ("verdict", KindSchema.Text()),
            ("reasons", KindSchema.Array(KindSchema.Text())), ("at", KindSchema.Text())).Requiring("workload", "canary", "image", "verdict"),
        Read = d => d.Metadata is null ? null : new ReleaseVerdictResource { Metadata = d.Metadata, Spec = ManifestParser.ParseReleaseVerdictSpec(d.Spec) },
        Write = (r, json) => json["spec"] = ResourceWriter.ReleaseVerdictSpecJson(((ReleaseVerdictResource)r).Spec),
    };
}
