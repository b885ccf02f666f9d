namespace Linnet.ControlPlane.Core.Resources;

/// <summary>A status condition as Flagger writes <c>Promoted</c>.</summary>
public sealed record CanaryCondition(string Type, string Status, string Reason, string Message, DateTimeOffset LastTransitionTime);
