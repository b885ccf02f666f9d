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
        Preparing(Of(workload), settings, image, now);

    /// <summary>After <paramref name="workload"/> moved to <paramref name="image"/>.</summary>
    public static Notification Updated(WorkloadResource workload, ImageUpdateSettings? settings, string image, DateTimeOffset now) =>
        Updated(Of(workload), settings, image, now);

    /// <summary>When moving <paramref name="workload"/> to <paramref name="image"/> failed.</summary>
    public static Notification Failed(WorkloadResource workload, ImageUpdateSettings? settings, string image, string reason, DateTimeOffset now) =>
        Failed(Of(workload), settings, image, reason, now);

    /// <summary>Before <paramref name="target"/> (a Workload, or a Deployment's container) moves to <paramref name="image"/>.</summary>
    public static Notification Preparing(ImageTarget target, ImageUpdateSettings? settings, string image, DateTimeOffset now) =>
        Preparing(Of(target), settings, image, now);

    /// <summary>After <paramref name="target"/> moved to <paramref name="image"/>.</summary>
    public static Notification Updated(ImageTarget target, ImageUpdateSettings? settings, string image, DateTimeOffset now) =>
        Updated(Of(target), settings, image, now);

    /// <summary>When moving <paramref name="target"/> to <paramref name="image"/> failed.</summary>
    public static Notification Failed(ImageTarget target, ImageUpdateSettings? settings, string image, string reason, DateTimeOffset now) =>
        Failed(Of(target), settings, image, reason, now);

    private static Notification Preparing(Subject subject, ImageUpdateSettings? settings, string image, DateTimeOffset now) =>
        Make(subject, settings, image, now, "preparing to update resource", "preparing deployment update", NotificationLevel.Debug, $"Preparing to update {subject.Named} {subject.Current}->{image}");

    private static Notification Updated(Subject subject, ImageUpdateSettings? settings, string image, DateTimeOffset now)
    {
        // Keel's wording, with keel.sh/releaseNotes appended as Keel appends it.
        var message = $"Successfully updated {subject.Named} {subject.Current}->{image}";
        var notes = settings?.ReleaseNotes;
        var notification = Make(subject, settings, image, now, "update resource", "deployment update", NotificationLevel.Success, notes is null ? message : $"{message}. Release notes: {notes}");
        return notes is null ? notification : notification with { Fields = [.. notification.Fields, new("Release notes", notes)] };
    }

    private static Notification Failed(Subject subject, ImageUpdateSettings? settings, string image, string reason, DateTimeOffset now) =>
        Make(subject, settings, image, now, "update resource", "deployment update", NotificationLevel.Error, $"{subject.Named} update {subject.Current}->{image} failed, error: {reason}");

    private static Notification Make(Subject subject, ImageUpdateSettings? settings, string image, DateTimeOffset now, string name, string type, NotificationLevel level, string message) =>
        new(name, message, level, now, type, subject.Kind, subject.Id)
        {
            Fields = [new("Current image", subject.Current), new("New image", image)],
            Channels = settings?.NotifyChannels ?? [],
        };

    private static Subject Of(WorkloadResource workload) => new("Workload", $"{workload.Metadata.Namespace}/{workload.Metadata.Name}", workload.Spec.Image ?? "");

    // A Deployment's container is named with its owner, as Keel names the resource.
    private static Subject Of(ImageTarget target) => new(target.Kind, target.Id, target.Image) { Container = target.Kind == WorkloadResource.KindName ? null : target.Container };

    private sealed record Subject(string Kind, string Id, string Current)
    {
        public string? Container { get; init; }

        public string Named => Container is null ? $"{Kind} {Id}" : $"{Kind} {Id} (container {Container})";
    }
}
