namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Linnet's <c>ImagePolicy</c> (<c>linnet.io/v1alpha1</c>): the settings of Keel's <c>keel.sh/*</c>
/// annotations as a resource of its own, targeting one Workload of its namespace. Read and validated by the same
/// code as the annotations, into the same <see cref="Updates.ImageUpdateSettings"/>; a Workload takes its settings
/// from one place, so an ImagePolicy and <c>keel.sh/*</c> annotations on its target are refused together.</summary>
public sealed record ImagePolicyResource : Resource
{
    /// <summary>The kind name.</summary>
    public const string KindName = "ImagePolicy";

    /// <summary>The apiVersion.</summary>
    public const string Version = "linnet.io/v1alpha1";

    /// <inheritdoc />
    public override string ApiVersion => Version;

    /// <inheritdoc />
    public override string Kind => KindName;

    /// <summary>The spec.</summary>
    public required ImagePolicySpec Spec { get; init; }

    /// <inheritdoc />
    public override bool SpecEquals(Resource other) => other is ImagePolicyResource p && Spec.Equals(p.Spec);
}
