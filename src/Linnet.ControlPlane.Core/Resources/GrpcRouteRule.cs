namespace Linnet.ControlPlane.Core.Resources;

/// <summary>One GRPCRoute rule: any of its matches selects its backends; no matches means every call.</summary>
public sealed record GrpcRouteRule(IReadOnlyList<GrpcRouteMatch> Matches, IReadOnlyList<BackendRef> BackendRefs)
{
    /// <summary>The rule's filters.</summary>
    public RouteFilters Filters { get; init; } = RouteFilters.None;

    /// <summary>Timeouts; null: none.</summary>
    public RouteTimeouts? Timeouts { get; init; }

    /// <inheritdoc />
    public bool Equals(GrpcRouteRule? other) =>
        other is not null && Matches.SequenceEqual(other.Matches) && BackendRefs.SequenceEqual(other.BackendRefs)
        && Filters.Equals(other.Filters) && Equals(Timeouts, other.Timeouts);

    /// <inheritdoc />
    public override int GetHashCode() => Matches.Count;
}
