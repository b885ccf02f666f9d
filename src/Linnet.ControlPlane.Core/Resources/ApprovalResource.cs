namespace Linnet.ControlPlane.Core.Resources;

/// <summary>An <c>Approval</c> (<c>linnet.io/v1alpha1</c>): an image update that waits for votes (Keel's
/// <c>keel.sh/approvals</c>), written by the control plane, never applied. It is kept in the store, so a waiting
/// update survives a restart, and kept after it is decided (applied, rejected, expired) as the record of it.</summary>
public sealed record ApprovalResource : Resource
{
    /// <summary>The kind name.</summary>
    public const string KindName = "Approval";

    /// <inheritdoc />
    public override string ApiVersion => "linnet.io/v1alpha1";

    /// <inheritdoc />
    public override string Kind => KindName;

    /// <summary>The update asked for and its votes.</summary>
    public required ApprovalSpec Spec { get; init; }

    /// <inheritdoc />
    public override bool SpecEquals(Resource other) => other is ApprovalResource a && Spec.Equals(a.Spec);
}
