using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Core.Updates;
using Linnet.ControlPlane.Notifications;
using Linnet.ControlPlane.Hosting;
using Microsoft.Extensions.Logging;

namespace Linnet.ControlPlane.Updates;

/// <summary>Expires pending approvals whose <c>keel.sh/approvalDeadline</c> passed (Keel's expiry service): the
/// approval is recorded <see cref="ApprovalStates.Expired"/> with its vote count, and the expiry is notified. On a
/// cluster only the leader expires a Deployment's approvals (it owns the records).</summary>
internal sealed partial class ApprovalExpiry(IResourceStore store, NotificationSender notifications, TimeProvider time, ILogger<ApprovalExpiry> logger, IDeploymentImageWriter? deployments = null) : PeriodicService(time, logger)
{
    /// <inheritdoc />
    protected override TimeSpan Interval { get; } = TimeSpan.FromSeconds(1);

    /// <summary>One pass: expires every pending approval whose deadline has passed; returns how many.</summary>
    public async Task<int> ExpireDueAsync(CancellationToken cancellationToken)
    {
        var now = Time.GetUtcNow();
        var snapshot = store.Snapshot();
        var expired = 0;
        foreach (var approval in snapshot.OfKind<ApprovalResource>().Where(a => a.Spec.State == ApprovalStates.Pending && a.Spec.Deadline <= now)
            .Where(a => ApprovalRequests.TargetKind(a) != DeploymentResource.KindName || deployments?.CanWrite == true).ToList())
        {
            var record = approval with
            {
                Spec = approval.Spec with
                {
                    State = ApprovalStates.Expired,
                    UpdatedAt = now,
                    Reason = $"the deadline passed with {approval.Spec.Voters.Count}/{approval.Spec.VotesRequired} approval(s)",
                },
            };
            try
            {
                await store.CommitAsync([new PutChange(record) { ExpectedVersion = approval.Metadata.ResourceVersion }], cancellationToken);
            }
            catch (ConflictException)
            {
                // A vote landed meanwhile: the next pass looks again.
                continue;
            }

            expired++;
            notifications.Publish(ApprovalNotifications.Expired(ImageTargets.SettingsOf(snapshot, ApprovalRequests.TargetKind(approval), approval.Metadata.Namespace, approval.Spec.Workload), record));
            Log.Expired(Logger, approval.Spec.Identifier, approval.Spec.Voters.Count, approval.Spec.VotesRequired);
        }

        return expired;
    }

    /// <inheritdoc />
    protected override Task RunOnceAsync(CancellationToken cancellationToken) => ExpireDueAsync(cancellationToken);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "approval {Identifier} expired with {Votes}/{Required} approval(s)")]
        public static partial void Expired(ILogger logger, string identifier, int votes, int required);
    }
}
