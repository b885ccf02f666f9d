using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Core.Updates;
using Linnet.ControlPlane.Notifications;
using Microsoft.Extensions.Logging;

namespace Linnet.ControlPlane.Updates;

/// <summary>The one place an image update is applied, whatever found it (a webhook, a poll, the last approving
/// vote): notifies "preparing", commits the new <c>spec.image</c> of every planned workload in one transaction
/// (each expected at the version it was planned from), then notifies the result, as Keel does. The supervisor then
/// replaces the instances, which run exactly the planned digest. A workload whose settings ask for approvals is not
/// updated but asked for approval: a pending <see cref="ApprovalResource"/> is stored in the same transaction;
/// the update runs when enough voters approve (<see cref="ApplyApprovedAsync"/>), with the approved digest.</summary>
internal sealed partial class ImageUpdateApplier(IResourceStore store, NotificationSender notifications, TimeProvider time, ILogger<ImageUpdateApplier> logger)
{
    /// <summary>Applies <paramref name="plan"/>; <paramref name="source"/> names the trigger in the log. Returns the
    /// updates made and the approvals asked for (an update already waiting, or decided, is in neither).</summary>
    /// <exception cref="ConflictException">A workload changed since it was planned; nothing was applied (the
    /// failure is notified).</exception>
    public async Task<(IReadOnlyList<(WorkloadResource Workload, string Image)> Updated, IReadOnlyList<ApprovalResource> Requested)> ApplyAsync(IReadOnlyList<(WorkloadResource Workload, string Image)> plan, string source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.Count == 0)
        {
            return ([], []);
        }

        var now = time.GetUtcNow();
        var snapshot = store.Snapshot();
        var approvals = snapshot.OfKind<ApprovalResource>().ToList();
        var policies = snapshot.OfKind<ImagePolicyResource>().ToList();
        var updates = new List<(WorkloadResource Workload, string Image)>();
        var requests = new List<(WorkloadResource Workload, ApprovalResource Approval)>();
        foreach (var (workload, image) in plan)
        {
            var settings = ImagePolicies.For(workload, policies);
            var votes = settings?.Approvals ?? 0;
            if (votes == 0)
            {
                updates.Add((workload, image));
            }
            else if (ApprovalRequests.Find(approvals, workload.Metadata.Namespace, ApprovalRequests.Identifier(workload, image)) is null)
            {
                // Pending: it waits. Decided (rejected, expired, superseded): that version is not asked for again;
                // deleting the record asks again at the next push or poll.
                requests.Add((workload, ApprovalRequests.Request(workload, image, votes, settings!.ApprovalDeadline, now)));
            }
        }

        var extra = requests.Select(r => (StoreChange)new PutChange(r.Approval) { ExpectedVersion = 0 }).ToList();
        await CommitAsync(updates, extra, cancellationToken);
        foreach (var (workload, approval) in requests)
        {
            notifications.Publish(ApprovalNotifications.Requested(workload, ImagePolicies.For(workload, policies), approval));
            Log.ApprovalRequested(logger, source, $"{workload.Metadata.Namespace}/{workload.Metadata.Name}", approval.Spec.NewImage, approval.Spec.VotesRequired);
        }

        foreach (var (workload, image) in updates)
        {
            Log.Updated(logger, source, $"{workload.Metadata.Namespace}/{workload.Metadata.Name}", image);
        }

        return (updates, requests.Select(r => r.Approval).ToList());
    }

    /// <summary>Runs the update <paramref name="approval"/> (just approved by enough voters, not yet stored so)
    /// asked for: the workload moves to exactly the approved image and digest, and the approval is recorded
    /// <see cref="ApprovalStates.Applied"/>, in one transaction. A workload that runs another image than the one
    /// the approval was asked from (or is gone) is not touched: the approval is recorded
    /// <see cref="ApprovalStates.Superseded"/>.</summary>
    /// <returns>The approval as stored.</returns>
    /// <exception cref="ConflictException">The workload or the approval changed meanwhile; nothing was applied.</exception>
    public async Task<ApprovalResource> ApplyApprovedAsync(ApprovalResource approval, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(approval);
        var now = time.GetUtcNow();
        var workload = store.Snapshot().Resources.GetValueOrDefault(new ResourceKey(WorkloadResource.KindName, approval.Metadata.Namespace, approval.Spec.Workload)) as WorkloadResource;
        if (workload is null || workload.Spec.Image != approval.Spec.CurrentImage)
        {
            var superseded = approval with
            {
                Spec = approval.Spec with
                {
                    State = ApprovalStates.Superseded,
                    UpdatedAt = now,
                    Reason = workload is null ? "the workload is gone" : $"the workload runs {workload.Spec.Image} now, not {approval.Spec.CurrentImage} the approval was asked from",
                },
            };
            var result = await store.CommitAsync([new PutChange(superseded) { ExpectedVersion = approval.Metadata.ResourceVersion }], cancellationToken);
            return (ApprovalResource)result.Results[0]!;
        }

        var applied = approval with { Spec = approval.Spec with { State = ApprovalStates.Applied, UpdatedAt = now, Reason = null } };
        await CommitAsync([(workload, approval.Spec.NewImage)], [new PutChange(applied) { ExpectedVersion = approval.Metadata.ResourceVersion }], cancellationToken);
        Log.Updated(logger, "approval " + approval.Metadata.Name, $"{workload.Metadata.Namespace}/{workload.Metadata.Name}", approval.Spec.NewImage);
        return (ApprovalResource)store.Snapshot().Resources[applied.Key];
    }

    private async Task CommitAsync(List<(WorkloadResource Workload, string Image)> updates, List<StoreChange> extra, CancellationToken cancellationToken)
    {
        if (updates.Count == 0 && extra.Count == 0)
        {
            return;
        }

        var snapshot = store.Snapshot();
        var settings = updates.Select(u => ImagePolicies.For(snapshot, u.Workload)).ToList();
        for (var i = 0; i < updates.Count; i++)
        {
            notifications.Publish(ImageUpdateNotifications.Preparing(updates[i].Workload, settings[i], updates[i].Image, time.GetUtcNow()));
        }

        var changes = updates.Select(p => (StoreChange)new PutChange(p.Workload with { Spec = p.Workload.Spec with { Image = p.Image } }) { ExpectedVersion = p.Workload.Metadata.ResourceVersion }).Concat(extra).ToList();
        try
        {
            await store.CommitAsync(changes, cancellationToken);
        }
        catch (ConflictException ex)
        {
            for (var i = 0; i < updates.Count; i++)
            {
                notifications.Publish(ImageUpdateNotifications.Failed(updates[i].Workload, settings[i], updates[i].Image, ex.Message, time.GetUtcNow()));
            }

            throw;
        }

        for (var i = 0; i < updates.Count; i++)
        {
            notifications.Publish(ImageUpdateNotifications.Updated(updates[i].Workload, settings[i], updates[i].Image, time.GetUtcNow()));
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "{Source}: {Workload} updated to {Image}")]
        public static partial void Updated(ILogger logger, string source, string workload, string image);

        [LoggerMessage(2, LogLevel.Information, "{Source}: update of {Workload} to {Image} waits for {Votes} approval(s)")]
        public static partial void ApprovalRequested(ILogger logger, string source, string workload, string image, int votes);
    }
}
