namespace Linnet.ControlPlane.Core.Updates;

/// <summary>Everything that says how a Workload's image is updated: the one model read from Keel's <c>keel.sh/*</c>
/// annotations and from Linnet's <c>ImagePolicy</c> kind, both by <see cref="KeelAnnotations"/> (one validator).
/// Every consumer (webhooks, polling, approvals, notifications, the release loop) reads this record, never the
/// annotations, so a setting means the same wherever it was written (<see cref="ImagePolicies.For(WorkloadResource, IEnumerable{Resources.ImagePolicyResource})"/>).</summary>
/// <param name="Policy">Which new tags the workload moves to (<c>policy</c>, <c>matchTag</c>, <c>matchPreRelease</c>).</param>
public sealed record ImageUpdateSettings(ImageUpdatePolicy Policy)
{
    /// <summary>The poll schedule when the registry is polled (<c>trigger: poll</c>); null when only webhooks update it.</summary>
    public PollSchedule? Poll { get; init; }

    /// <summary>How many distinct voters an update needs (<c>approvals</c>); 0 for none.</summary>
    public int Approvals { get; init; }

    /// <summary>How long an update waits for its votes (<c>approvalDeadline</c>, Keel's default 24 hours).</summary>
    public TimeSpan ApprovalDeadline { get; init; } = TimeSpan.FromHours(KeelAnnotations.DefaultApprovalDeadlineHours);

    /// <summary>The chat channels notifications go to instead of the targets' own (<c>notify</c>); empty when not set.</summary>
    public IReadOnlyList<string> NotifyChannels { get; init; } = [];

    /// <summary>The release notes link carried into the "update resource" notification (<c>releaseNotes</c>).</summary>
    public string? ReleaseNotes { get; init; }

    /// <summary>The regular expression (RE2, matched anywhere) a container's name must match to be updated
    /// (<c>monitorContainers</c>); null for every container.</summary>
    public string? MonitorContainers { get; init; }

    /// <summary>Whether this policy updates anything at all.</summary>
    public bool Updates => Policy.Type != ImagePolicyType.Never;

    /// <summary>Whether the container <paramref name="container"/> may be updated (<c>monitorContainers</c>). A
    /// universal Workload has one container, named after the Workload.</summary>
    public bool MonitorsContainer(string container)
    {
        ArgumentNullException.ThrowIfNull(container);
        return MonitorContainers is null || ImageTagRules.Compile(MonitorContainers).IsMatch(container);
    }

    /// <inheritdoc />
    public bool Equals(ImageUpdateSettings? other) =>
        other is not null && Policy == other.Policy && Poll?.Text == other.Poll?.Text && Approvals == other.Approvals
        && ApprovalDeadline == other.ApprovalDeadline && NotifyChannels.SequenceEqual(other.NotifyChannels, StringComparer.Ordinal)
        && ReleaseNotes == other.ReleaseNotes && MonitorContainers == other.MonitorContainers;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Policy, Poll?.Text, Approvals, ApprovalDeadline, ReleaseNotes, MonitorContainers);
}
