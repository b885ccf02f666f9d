namespace Linnet.ControlPlane.Core.Resources;

/// <summary>A <c>Deployment</c> (<c>apps/v1</c>) as the control plane read it from a cluster: the Kubernetes counterpart
/// of a <see cref="WorkloadResource"/> (name, namespace, replicas, the pod template's containers and their images;
/// its annotations, such as <c>keel.sh/*</c>, in the metadata). Written by the platform, never applied.</summary>
public sealed record DeploymentResource : Resource
{
    /// <summary>The kind name.</summary>
    public const string KindName = "Deployment";

    /// <inheritdoc />
    public override string ApiVersion => "apps/v1";

    /// <inheritdoc />
    public override string Kind => KindName;

    /// <summary>Replicas and the pod template.</summary>
    public required DeploymentSpec Spec { get; init; }

    /// <inheritdoc />
    public override bool SpecEquals(Resource other) => other is DeploymentResource d && Spec.Equals(d.Spec);
}
