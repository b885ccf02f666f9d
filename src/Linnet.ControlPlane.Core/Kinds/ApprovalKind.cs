using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Kinds;

/// <summary>The <c>Approval</c> kind: a pending or decided image update needing votes (control-plane records).</summary>
internal static class ApprovalKind
{
    public static ResourceKind Definition { get; } = new()
    {
        Name = ApprovalResource.KindName,
        Plural = "approvals",
        ApiVersions = ["linnet.io/v1alpha1"],
        Author = KindAuthor.ControlPlane,
        NotApplied = "Approval resources are written by the control plane when an update needs votes, not applied (vote with `linnet approvals approve`)",
        Spec = KindSchema.Fields(
            ("workload", KindSchema.Text()), ("identifier", KindSchema.Text()), ("currentImage", KindSchema.Text()), ("newImage", KindSchema.Text()),
            ("votesRequired", KindSchema.Whole(1)), ("deadline", KindSchema.Text()), ("createdAt", KindSchema.Text()),
            ("voters", KindSchema.StringMap("Voter → when they voted.")), ("state", KindSchema.Text()), ("reason", KindSchema.Text()),
            ("updatedAt", KindSchema.Text())).Requiring("workload", "identifier", "currentImage", "newImage", "votesRequired", "state"),
        Read = d => d.Metadata is null ? null : new ApprovalResource { Metadata = d.Metadata, Spec = ManifestParser.ParseApprovalSpec(d.Spec) },
        Write = (r, json) => json["spec"] = ResourceWriter.ApprovalSpecJson(((ApprovalResource)r).Spec),
    };
}
