namespace Linnet.ControlPlane.Core.Resources;

/// <summary>GRPCRoute spec.</summary>
public sealed record GrpcRouteSpec(IReadOnlyList<ParentRef> ParentRefs, IReadOnlyList<GrpcRouteRule> Rules)
{
    /// <inheritdoc />
    public bool Equals(GrpcRouteSpec? other) =>
        other is not null && ParentRefs.SequenceEqual(other.ParentRefs) && Rules.SequenceEqual(other.Rules)
        && Hostnames.SequenceEqual(other.Hostnames);

    /// <summary>Gateway API <c>hostnames</c>: the route applies to requests whose Host is one of these
    /// (<c>*.example.com</c>: any name under example.com). Empty: any host.</summary>
    public IReadOnlyList<string> Hostnames { get; init; } = [];

    /// <inheritdoc />
    public override int GetHashCode() => Rules.Count;
}
