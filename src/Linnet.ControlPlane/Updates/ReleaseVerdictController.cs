using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Core.Updates;
using Linnet.ControlPlane.Notifications;
using Linnet.ControlPlane.Hosting;
using Microsoft.Extensions.Logging;

namespace Linnet.ControlPlane.Updates;

/// <summary>Closes the release loop (<see cref="ReleaseLoop"/>): watches the Canaries whose target has an image
/// policy, and when one decides the target's current image, stores the verdict (with its reasons) and notifies it,
/// once: the record is created only if absent, and only the commit that creates it notifies, so neither a second
/// pass nor a restart tells it again.</summary>
internal sealed partial class ReleaseVerdictController(IResourceStore store, NotificationSender notifications, TimeProvider time, ILogger<ReleaseVerdictController> logger) : PeriodicService(time, logger)
{
    /// <inheritdoc />
    protected override TimeSpan Interval { get; } = TimeSpan.FromMilliseconds(500);

    /// <summary>One pass; returns the verdicts recorded.</summary>
    public async Task<int> RecordAsync(CancellationToken cancellationToken)
    {
        var snapshot = store.Snapshot();
        var recorded = 0;
        foreach (var canary in snapshot.OfKind<CanaryResource>())
        {
            if (snapshot.Resources.GetValueOrDefault(new ResourceKey(WorkloadResource.KindName, canary.Metadata.Namespace, canary.Spec.TargetName)) is not WorkloadResource target
                || ReleaseLoop.Judge(canary, target, ImagePolicies.For(snapshot, target), Time.GetUtcNow()) is not { } verdict
                || snapshot.Resources.ContainsKey(verdict.Key))
            {
                continue;
            }

            try
            {
                await store.CommitAsync([new PutChange(verdict) { ExpectedVersion = 0 }], cancellationToken);
            }
            catch (ConflictException)
            {
                continue;
            }

            recorded++;
            notifications.Publish(ReleaseLoop.Notify(verdict, ImagePolicies.For(snapshot, target)));
            Log.Verdict(Logger, $"{target.Metadata.Namespace}/{target.Metadata.Name}", verdict.Spec.Image, verdict.Spec.Verdict, string.Join("; ", verdict.Spec.Reasons));
        }

        return recorded;
    }

    /// <inheritdoc />
    protected override Task RunOnceAsync(CancellationToken cancellationToken) => RecordAsync(cancellationToken);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "release of {Workload} {Image}: {Verdict} ({Reasons})")]
        public static partial void Verdict(ILogger logger, string workload, string image, string verdict, string reasons);
    }
}
