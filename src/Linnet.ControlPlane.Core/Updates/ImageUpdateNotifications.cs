using Linnet.ControlPlane.Core.Notifications;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Updates;

/// <summary>The notifications of an image update, worded and levelled as Keel's (keel-hq/keel
/// <c>provider/kubernetes</c>): "preparing to update resource" at debug before, "update resource" at success
/// after, the failure at error; sent to the workload's <c>notify</c> channels (<see cref="ImageUpdateSettings"/>).</summary>
public static class ImageUpdateNotifications
{
    /// <summary>Before <paramref name="workload"/> moves to <paramref name="image"/>.</summary>
    public static Notification Preparing(WorkloadResource workload, ImageUpdateSettings? settings, string image, DateTimeOffset now) =>
        Make(workload, settings, image, now, "preparing to update resource", "preparing deployment update", NotificationLevel.Debug, $"Preparing to update Workload {Id(workload)} {workload.Spec.Image}->{image}");

    /// <summary>After <paramref name="workload"/> moved to <paramref name="image"/>.</summary>
    public static Notification Updated(WorkloadResource workload, ImageUpdateSettings? settings, string image, DateTimeOffset now)
    {
        // Keel's wording, with keel.sh/releaseNotes appended as Keel appends it.
        var message = $"Successfully updated Workload {Id(workload)} {workload.Spec.Image}->{image}";
        var notes = settings?.ReleaseNotes;
        var notification = Make(workload, settings, image, now, "update resource", "deployment update", NotificationLevel.Success, notes is null ? message : $"{message}. Release notes: {notes}");
        return notes is null ? notification : notification with { Fields = [.. notification.Fields, new("Release notes", notes)] };
    }

    /// <summary>When moving <paramref name="workload"/> to <paramref name="image"/> failed.</summary>
    public static Notification Failed(WorkloadResource workload, ImageUpdateSettings? settings, string image, string reason, DateTimeOffset now) =>
        Make(workload, settings, image, now, "update resource", "deployment update", NotificationLevel.Error, $"Workload {Id(workload)} update {workload.Spec.Image}->{image} failed, error: {reason}");

    private static Notification Make(WorkloadResource workload, ImageUpdateSettings? settings, string image, DateTimeOffset now, string name, string type, NotificationLevel level, string message) =>
        new(name, message, level, now, type, "Workload", Id(workload))
        {
            Fields = [new("Current image", workload.Spec.Image ?? ""), new("New image", image)],
            Channels = settings?.NotifyChannels ?? [],
        };

    private static string Id(WorkloadResource workload) => $"{workload.Metadata.Namespace}/{workload.Metadata.Name}";
}
