namespace Linnet.ControlPlane.Core.Resources;

/// <summary>GRPCRoute spec.</summary>
public sealed record GrpcRouteSpec(IReadOnlyList<ParentRef> ParentRefs, IReadOnlyList<GrpcRouteRule> Rules)
{
    /// <inheritdoc />
    public bool Equals(GrpcRouteSpec? other) =>
        other is not null && ParentRefs.SequenceEqual(other.ParentRefs) && Rules.SequenceEqual(other.Rules);

    /// <inheritdoc />
    public override int GetHashCode() => Rules.Count;
}
