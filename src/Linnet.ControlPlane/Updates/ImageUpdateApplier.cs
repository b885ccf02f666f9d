using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Core.Updates;
using Linnet.ControlPlane.Notifications;
using Microsoft.Extensions.Logging;

namespace Linnet.ControlPlane.Updates;

/// <summary>The one place an image update is applied, whatever found it (a webhook, a poll): notifies
/// "preparing", commits the new <c>spec.image</c> of every planned workload in one transaction (each expected at
/// the version it was planned from), then notifies the result, as Keel does. The supervisor then replaces the
/// instances, which run exactly the planned digest.</summary>
internal sealed partial class ImageUpdateApplier(IResourceStore store, NotificationSender notifications, TimeProvider time, ILogger<ImageUpdateApplier> logger)
{
    /// <summary>Applies <paramref name="plan"/>; <paramref name="source"/> names the trigger in the log.</summary>
    /// <exception cref="ConflictException">A workload changed since it was planned; nothing was applied (the
    /// failure is notified).</exception>
    public async Task ApplyAsync(IReadOnlyList<(WorkloadResource Workload, string Image)> plan, string source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.Count == 0)
        {
            return;
        }

        foreach (var (workload, image) in plan)
        {
            notifications.Publish(ImageUpdateNotifications.Preparing(workload, image, time.GetUtcNow()));
        }

        var changes = plan.Select(p => (StoreChange)new PutChange(p.Workload with { Spec = p.Workload.Spec with { Image = p.Image } }) { ExpectedVersion = p.Workload.Metadata.ResourceVersion }).ToList();
        try
        {
            await store.CommitAsync(changes, cancellationToken);
        }
        catch (ConflictException ex)
        {
            foreach (var (workload, image) in plan)
            {
                notifications.Publish(ImageUpdateNotifications.Failed(workload, image, ex.Message, time.GetUtcNow()));
            }

            throw;
        }

        foreach (var (workload, image) in plan)
        {
            notifications.Publish(ImageUpdateNotifications.Updated(workload, image, time.GetUtcNow()));
            Log.Updated(logger, source, $"{workload.Metadata.Namespace}/{workload.Metadata.Name}", image);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "{Source}: {Workload} updated to {Image}")]
        public static partial void Updated(ILogger logger, string source, string workload, string image);
    }
}
