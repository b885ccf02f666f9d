using Linnet.ControlPlane.Core.Notifications;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Updates;

/// <summary>The notifications of an approval: asked for (Keel's "New image is available for resource ...
/// approval required"), rejected and expired (recorded on the Approval, and told at warning level). An approved
/// update is then told as any update (<see cref="ImageUpdateNotifications"/>).</summary>
public static class ApprovalNotifications
{
    /// <summary>An update waits for votes.</summary>
    public static Notification Requested(ImageUpdateSettings? settings, ApprovalResource approval) =>
        Make(settings, approval, "approval required", NotificationLevel.Info,
            $"New image is available for resource {approval.Metadata.Namespace}/{approval.Spec.Workload} ({approval.Spec.CurrentImage} -> {approval.Spec.NewImage}). {approval.Spec.VotesRequired} approval(s) required before {approval.Spec.Deadline.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}: linnet approvals approve {approval.Metadata.Name} -n {approval.Metadata.Namespace}");

    /// <summary>A voter rejected the update.</summary>
    public static Notification Rejected(ImageUpdateSettings? settings, ApprovalResource approval) =>
        Make(settings, approval, "approval rejected", NotificationLevel.Warn,
            $"Update of {ApprovalRequests.TargetKind(approval)} {approval.Metadata.Namespace}/{approval.Spec.Workload} ({approval.Spec.CurrentImage} -> {approval.Spec.NewImage}) was rejected: {approval.Spec.Reason}");

    /// <summary>The deadline passed before enough voters approved.</summary>
    public static Notification Expired(ImageUpdateSettings? settings, ApprovalResource approval) =>
        Make(settings, approval, "approval expired", NotificationLevel.Warn,
            $"Update of {ApprovalRequests.TargetKind(approval)} {approval.Metadata.Namespace}/{approval.Spec.Workload} ({approval.Spec.CurrentImage} -> {approval.Spec.NewImage}) expired with {approval.Spec.Voters.Count}/{approval.Spec.VotesRequired} approval(s)");

    private static Notification Make(ImageUpdateSettings? settings, ApprovalResource approval, string name, NotificationLevel level, string message) =>
        new(name, message, level, approval.Spec.UpdatedAt, "approval", ApprovalRequests.TargetKind(approval), $"{approval.Metadata.Namespace}/{approval.Spec.Workload}")
        {
            Fields =
            [
                new("Approval", approval.Metadata.Name),
                new("Current image", approval.Spec.CurrentImage),
                new("New image", approval.Spec.NewImage),
                new("Votes", $"{approval.Spec.Voters.Count}/{approval.Spec.VotesRequired}"),
            ],
            Channels = settings?.NotifyChannels ?? [],
        };
}
