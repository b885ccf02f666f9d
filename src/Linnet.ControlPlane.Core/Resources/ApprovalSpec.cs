namespace Linnet.ControlPlane.Core.Resources;

/// <summary>What an <see cref="ApprovalResource"/> asks for and where its vote stands (Keel's <c>types.Approval</c>).</summary>
/// <param name="Workload">The Workload, or Deployment, to update (same namespace; which kind the identifier says).</param>
/// <param name="Identifier">Keel's identifier, <c>workload/&lt;namespace&gt;/&lt;name&gt;:&lt;new tag&gt;</c> (<c>deployment/…</c> for a Deployment).</param>
/// <param name="CurrentImage">The image the workload ran when the update was asked for.</param>
/// <param name="NewImage">The image the update moves to, pinned to the digest that was pushed or polled: the
/// digest voters approve is the one that runs (keel#803).</param>
/// <param name="VotesRequired">How many distinct voters must approve.</param>
/// <param name="Deadline">When a still pending approval expires.</param>
/// <param name="CreatedAt">When it was asked for.</param>
public sealed record ApprovalSpec(string Workload, string Identifier, string CurrentImage, string NewImage, int VotesRequired, DateTimeOffset Deadline, DateTimeOffset CreatedAt)
{
    /// <summary>Who approved, and when (distinct voters: the callers' identities).</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> Voters { get; init; } = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);

    /// <summary>Where it stands: one of <see cref="ApprovalStates"/>.</summary>
    public string State { get; init; } = ApprovalStates.Pending;

    /// <summary>Who rejected it, why it expired or was superseded; null while pending.</summary>
    public string? Reason { get; init; }

    /// <summary>When it last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <inheritdoc />
    public bool Equals(ApprovalSpec? other) =>
        other is not null && Workload == other.Workload && Identifier == other.Identifier && CurrentImage == other.CurrentImage
        && NewImage == other.NewImage && VotesRequired == other.VotesRequired && Deadline == other.Deadline && CreatedAt == other.CreatedAt
        && State == other.State && Reason == other.Reason && UpdatedAt == other.UpdatedAt
        && Voters.Count == other.Voters.Count && Voters.All(v => other.Voters.TryGetValue(v.Key, out var at) && at == v.Value);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Workload, Identifier, State);
}
