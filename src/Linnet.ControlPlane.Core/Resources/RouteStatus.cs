namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Gateway API route status: one entry per parentRef, written by the control plane's route status
/// controller, never by apply.</summary>
public sealed record RouteStatus(IReadOnlyList<RouteParentStatus> Parents)
{
    /// <summary>Not reconciled yet.</summary>
    public static RouteStatus Empty { get; } = new([]);

    /// <summary>The controller name in every parent status (Gateway API <c>controllerName</c>).</summary>
    public const string ControllerName = "linnet.io/control-plane";

    /// <inheritdoc />
    public bool Equals(RouteStatus? other) => other is not null && Parents.SequenceEqual(other.Parents);

    /// <inheritdoc />
    public override int GetHashCode() => Parents.Count;
}
