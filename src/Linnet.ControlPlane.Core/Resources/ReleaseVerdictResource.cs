namespace Linnet.ControlPlane.Core.Resources;

/// <summary>A <c>ReleaseVerdict</c> (<c>linnet.io/v1alpha1</c>): how a Canary's analysis ended for one image of a
/// Workload with an image policy (the closed release loop), written by the control plane, never applied. It is
/// both the record that the verdict was notified (once) and, for a rolled-back image, the memory that keeps that
/// version from being tried again until a newer one appears.</summary>
public sealed record ReleaseVerdictResource : Resource
{
    /// <summary>The kind name.</summary>
    public const string KindName = "ReleaseVerdict";

    /// <inheritdoc />
    public override string ApiVersion => "linnet.io/v1alpha1";

    /// <inheritdoc />
    public override string Kind => KindName;

    /// <summary>The verdict.</summary>
    public required ReleaseVerdictSpec Spec { get; init; }

    /// <inheritdoc />
    public override bool SpecEquals(Resource other) => other is ReleaseVerdictResource r && Spec.Equals(r.Spec);
}
