namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Gateway API <c>RouteParentStatus</c>: the conditions of a route for one of its parentRefs.</summary>
public sealed record RouteParentStatus(ParentRef ParentRef, string ControllerName, IReadOnlyList<RouteCondition> Conditions)
{
    /// <inheritdoc />
    public bool Equals(RouteParentStatus? other) =>
        other is not null && ParentRef.Equals(other.ParentRef) && ControllerName == other.ControllerName && Conditions.SequenceEqual(other.Conditions);

    /// <inheritdoc />
    public override int GetHashCode() => Conditions.Count;
}
