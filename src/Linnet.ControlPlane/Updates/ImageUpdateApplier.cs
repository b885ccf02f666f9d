using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Core.Updates;
using Linnet.ControlPlane.Notifications;
using Microsoft.Extensions.Logging;

namespace Linnet.ControlPlane.Updates;

/// <summary>The one place an image update is applied, whatever found it (a webhook, a poll, the last approving
/// vote), to whatever holds the image (<see cref="ImageTarget"/>): notifies "preparing", applies, then notifies the
/// result, as Keel does. A Workload's new <c>spec.image</c> is committed to the store, every planned workload in one
/// transaction (each expected at the version it was planned from); the supervisor then replaces the instances,
/// which run exactly the planned digest. A Deployment's containers are written to the cluster by the
/// <see cref="IDeploymentImageWriter"/> (only on the replica that leads: elsewhere Deployments are left to the
/// leader), on condition that the Deployment is still as planned. A target whose settings ask for approvals is not
/// updated but asked for approval: a pending <see cref="ApprovalResource"/> is stored (with the Workloads' updates,
/// in the same transaction); the update runs when enough voters approve (<see cref="ApplyApprovedAsync"/>), with
/// the approved digest.</summary>
internal sealed partial class ImageUpdateApplier(IResourceStore store, NotificationSender notifications, TimeProvider time, ILogger<ImageUpdateApplier> logger, IDeploymentImageWriter? deployments = null)
{
    /// <summary>Whether updates of Deployments are written by this replica now.</summary>
    public bool WritesDeployments => deployments?.CanWrite == true;

    /// <summary>Applies <paramref name="plan"/>; <paramref name="source"/> names the trigger in the log. Returns the
    /// updates made and the approvals asked for (an update already waiting, or decided, is in neither).</summary>
    /// <exception cref="ConflictException">A workload or Deployment changed since it was planned; no Workload was
    /// updated (the failure is notified).</exception>
    /// <exception cref="NotLeaderException">The plan updates a Deployment and this replica does not lead; nothing was done.</exception>
    public async Task<(IReadOnlyList<ImageUpdate> Updated, IReadOnlyList<ApprovalResource> Requested)> ApplyAsync(IReadOnlyList<ImageUpdate> plan, string source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (!WritesDeployments && plan.FirstOrDefault(u => u.Target.Owner is DeploymentResource) is { } first)
        {
            throw new NotLeaderException($"{first.Image} updates {first.Target.Kind} {first.Target.Id}, which only the control plane replica holding the leader lease writes; this replica does not, so nothing was done: send it again");
        }

        if (plan.Count == 0)
        {
            return ([], []);
        }

        var now = time.GetUtcNow();
        var approvals = store.Snapshot().OfKind<ApprovalResource>().ToList();
        var updates = new List<ImageUpdate>();
        var requests = new List<(ImageUpdate Update, ApprovalResource Approval)>();
        foreach (var update in plan)
        {
            var (target, image) = (update.Target, update.Image);
            var votes = target.Settings.Approvals;
            if (votes == 0)
            {
                updates.Add(update);
            }
            else if (ApprovalRequests.Find(approvals, target.Owner.Metadata.Namespace, ApprovalRequests.Identifier(target.Owner, image)) is null
                && !requests.Any(r => r.Update.Target.Owner.Key == target.Owner.Key && r.Update.Image == image))
            {
                // Pending: it waits. Decided (rejected, expired, superseded): that version is not asked for again;
                // deleting the record asks again at the next push or poll. A Deployment's containers moving to one
                // image are one request, as Keel asks once per resource.
                requests.Add((update, ApprovalRequests.Request(target.Owner, target.Image, image, votes, target.Settings.ApprovalDeadline, now)));
            }
        }

        var extra = requests.Select(r => (StoreChange)new PutChange(r.Approval) { ExpectedVersion = 0 }).ToList();
        await CommitAsync([.. updates.Where(u => u.Target.Owner is WorkloadResource)], extra, cancellationToken);
        foreach (var (update, approval) in requests)
        {
            notifications.Publish(ApprovalNotifications.Requested(update.Target.Settings, approval));
            Log.ApprovalRequested(logger, source, $"{update.Target.Kind} {update.Target.Id}", approval.Spec.NewImage, approval.Spec.VotesRequired);
        }

        foreach (var group in updates.Where(u => u.Target.Owner is DeploymentResource).GroupBy(u => u.Target.Owner.Key))
        {
            await WriteDeploymentAsync([.. group], cancellationToken);
        }

        foreach (var update in updates)
        {
            Log.Updated(logger, source, $"{update.Target.Kind} {update.Target.Id}", update.Target.Container, update.Image);
        }

        return (updates, requests.Select(r => r.Approval).ToList());
    }

    /// <summary>Runs the update <paramref name="approval"/> (just approved by enough voters, not yet stored so)
    /// asked for: the Workload (or the Deployment's containers that ran the image the approval was asked from) moves
    /// to exactly the approved image and digest, and the approval is recorded <see cref="ApprovalStates.Applied"/>
    /// (a Workload's in one transaction). A target that runs another image than the one the approval was asked from
    /// (or is gone) is not touched: the approval is recorded <see cref="ApprovalStates.Superseded"/>.</summary>
    /// <returns>The approval as stored.</returns>
    /// <exception cref="ConflictException">The target or the approval changed meanwhile; nothing was applied.</exception>
    /// <exception cref="NotLeaderException">The approval is for a Deployment and this replica does not lead.</exception>
    public async Task<ApprovalResource> ApplyApprovedAsync(ApprovalResource approval, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(approval);
        var now = time.GetUtcNow();
        var kind = ApprovalRequests.TargetKind(approval);
        var owner = store.Snapshot().Resources.GetValueOrDefault(new ResourceKey(kind, approval.Metadata.Namespace, approval.Spec.Workload));
        var targets = owner is null ? [] : ImageTargets.Of([owner], store.Snapshot().OfKind<ImagePolicyResource>()).Where(t => t.Image == approval.Spec.CurrentImage).ToList();
        if (targets.Count == 0)
        {
            var superseded = approval with
            {
                Spec = approval.Spec with
                {
                    State = ApprovalStates.Superseded,
                    UpdatedAt = now,
                    Reason = owner is null ? $"the {kind.ToLowerInvariant()} is gone" : $"the {kind.ToLowerInvariant()} no longer runs {approval.Spec.CurrentImage} the approval was asked from",
                },
            };
            var result = await store.CommitAsync([new PutChange(superseded) { ExpectedVersion = approval.Metadata.ResourceVersion }], cancellationToken);
            return (ApprovalResource)result.Results[0]!;
        }

        var applied = approval with { Spec = approval.Spec with { State = ApprovalStates.Applied, UpdatedAt = now, Reason = null } };
        var updates = targets.Select(t => new ImageUpdate(t, approval.Spec.NewImage)).ToList();
        if (owner is DeploymentResource)
        {
            if (!WritesDeployments)
            {
                throw new NotLeaderException($"{approval.Spec.Identifier} updates a Deployment, which only the control plane replica holding the leader lease writes: vote again (the next vote reaches it when it is the only replica, or through its address)");
            }

            await WriteDeploymentAsync(updates, cancellationToken);
            await store.CommitAsync([new PutChange(applied) { ExpectedVersion = approval.Metadata.ResourceVersion }], cancellationToken);
        }
        else
        {
            await CommitAsync(updates, [new PutChange(applied) { ExpectedVersion = approval.Metadata.ResourceVersion }], cancellationToken);
        }

        foreach (var update in updates)
        {
            Log.Updated(logger, "approval " + approval.Metadata.Name, $"{kind} {update.Target.Id}", update.Target.Container, approval.Spec.NewImage);
        }

        return (ApprovalResource)store.Snapshot().Resources[applied.Key];
    }

    // One Deployment's planned containers, in one conditional write to the cluster.
    private async Task WriteDeploymentAsync(List<ImageUpdate> updates, CancellationToken cancellationToken)
    {
        var deployment = (DeploymentResource)updates[0].Target.Owner;
        foreach (var update in updates)
        {
            notifications.Publish(ImageUpdateNotifications.Preparing(update.Target, update.Target.Settings, update.Image, time.GetUtcNow()));
        }

        try
        {
            await deployments!.WriteAsync(deployment, updates.ToDictionary(u => u.Target.Container, u => u.Image, StringComparer.Ordinal), cancellationToken);
        }
        catch (ConflictException ex)
        {
            foreach (var update in updates)
            {
                notifications.Publish(ImageUpdateNotifications.Failed(update.Target, update.Target.Settings, update.Image, ex.Message, time.GetUtcNow()));
            }

            throw;
        }

        foreach (var update in updates)
        {
            notifications.Publish(ImageUpdateNotifications.Updated(update.Target, update.Target.Settings, update.Image, time.GetUtcNow()));
        }
    }

    private async Task CommitAsync(List<ImageUpdate> updates, List<StoreChange> extra, CancellationToken cancellationToken)
    {
        if (updates.Count == 0 && extra.Count == 0)
        {
            return;
        }

        for (var i = 0; i < updates.Count; i++)
        {
            notifications.Publish(ImageUpdateNotifications.Preparing(updates[i].Target, updates[i].Target.Settings, updates[i].Image, time.GetUtcNow()));
        }

        var changes = updates.Select(u => (WorkloadResource)u.Target.Owner)
            .Zip(updates, (w, u) => (StoreChange)new PutChange(w with { Spec = w.Spec with { Image = u.Image } }) { ExpectedVersion = w.Metadata.ResourceVersion })
            .Concat(extra).ToList();
        try
        {
            await store.CommitAsync(changes, cancellationToken);
        }
        catch (ConflictException ex)
        {
            foreach (var update in updates)
            {
                notifications.Publish(ImageUpdateNotifications.Failed(update.Target, update.Target.Settings, update.Image, ex.Message, time.GetUtcNow()));
            }

            throw;
        }

        foreach (var update in updates)
        {
            notifications.Publish(ImageUpdateNotifications.Updated(update.Target, update.Target.Settings, update.Image, time.GetUtcNow()));
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "{Source}: {Target} (container {Container}) updated to {Image}")]
        public static partial void Updated(ILogger logger, string source, string target, string container, string image);

        [LoggerMessage(2, LogLevel.Information, "{Source}: update of {Target} to {Image} waits for {Votes} approval(s)")]
        public static partial void ApprovalRequested(ILogger logger, string source, string target, string image, int votes);

    }
}
