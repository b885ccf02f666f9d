namespace Linnet.ControlPlane.Core.Resources;

/// <summary>A <c>GRPCRoute</c> (<c>gateway.networking.k8s.io/v1</c>) attached to a Service: rules of gRPC
/// method and header matches, weighted backends, filters and timeouts.</summary>
public sealed record GrpcRouteResource : Resource
{
    /// <summary>The kind name.</summary>
    public const string KindName = "GRPCRoute";

    /// <inheritdoc />
    public override string ApiVersion => "gateway.networking.k8s.io/v1";

    /// <inheritdoc />
    public override string Kind => KindName;

    /// <summary>The spec.</summary>
    public required GrpcRouteSpec Spec { get; init; }

    /// <inheritdoc />
    public override bool SpecEquals(Resource other) => other is GrpcRouteResource r && Spec.Equals(r.Spec);

    /// <summary>Gateway API status, per parentRef (written by the route status controller).</summary>
    public RouteStatus Status { get; init; } = RouteStatus.Empty;

    /// <inheritdoc />
    public override bool StatusEquals(Resource other) => other is GrpcRouteResource r && Status.Equals(r.Status);
}
