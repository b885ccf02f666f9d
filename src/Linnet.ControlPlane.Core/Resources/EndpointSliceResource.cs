namespace Linnet.ControlPlane.Core.Resources;

/// <summary>An <c>EndpointSlice</c> (<c>discovery.k8s.io/v1</c>) as the control plane read it from a cluster: on
/// Kubernetes the one source of a Service's endpoints (as in Linkerd's destination controller), written by the
/// platform, never applied. Kubernetes keeps a slice's fields at the top level; the store keeps them under
/// <c>spec</c> like every other resource.</summary>
public sealed record EndpointSliceResource : Resource
{
    /// <summary>The kind name.</summary>
    public const string KindName = "EndpointSlice";

    /// <summary>The label naming the Service a slice belongs to.</summary>
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    /// <inheritdoc />
    public override string ApiVersion => "discovery.k8s.io/v1";

    /// <inheritdoc />
    public override string Kind => KindName;

    /// <summary>The slice's service, endpoints and ports.</summary>
    public required EndpointSliceSpec Spec { get; init; }

    /// <inheritdoc />
    public override bool SpecEquals(Resource other) => other is EndpointSliceResource s && Spec.Equals(s.Spec);
}
