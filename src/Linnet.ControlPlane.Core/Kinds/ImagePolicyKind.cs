using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Kinds;

/// <summary>The <c>ImagePolicy</c> kind (Linnet's): a Workload's <c>keel.sh/*</c> settings as a resource.</summary>
internal static class ImagePolicyKind
{
    public static ResourceKind Definition { get; } = new()
    {
        Name = ImagePolicyResource.KindName,
        Plural = "imagepolicies",
        ApiVersions = [ImagePolicyResource.Version],
        Spec = KindSchema.Fields(
            ("targetRef", KindSchema.Fields(("apiVersion", KindSchema.Text()), ("kind", KindSchema.OneOf(WorkloadResource.KindName)), ("name", KindSchema.Text())).Requiring("kind", "name")),
            ("policy", KindSchema.Text("keel.sh/policy: all, major, minor, patch, force, glob:…, regexp:… or never.")),
            ("matchTag", KindSchema.Boolean()),
            ("matchPreRelease", KindSchema.Boolean()),
            ("trigger", KindSchema.Text()),
            ("pollSchedule", KindSchema.Text("A cron expression or @every <duration>.")),
            ("approvals", KindSchema.Whole(0)),
            ("approvalDeadline", KindSchema.Whole(1, description: "Hours.")),
            ("notify", KindSchema.Array(KindSchema.Text())),
            ("releaseNotes", KindSchema.Text()),
            ("monitorContainers", KindSchema.Text())).Requiring("targetRef"),
        Read = d => d.Metadata is null ? null : new ImagePolicyResource { Metadata = d.Metadata, Spec = ManifestParser.ParseImagePolicySpec(d.Spec, d.Errors) },
        Write = (r, json) => json["spec"] = ResourceWriter.ImagePolicySpecJson(((ImagePolicyResource)r).Spec),
    };
}
