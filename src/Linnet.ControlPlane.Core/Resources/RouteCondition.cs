namespace Linnet.ControlPlane.Core.Resources;

/// <summary>A Gateway API condition (<c>metav1.Condition</c>) on a route's parent status.</summary>
/// <param name="Type"><c>Accepted</c> or <c>ResolvedRefs</c>.</param>
/// <param name="Status"><c>True</c> or <c>False</c>.</param>
/// <param name="Reason">For example <c>Accepted</c>, <c>NoMatchingParent</c>, <c>ResolvedRefs</c>, <c>BackendNotFound</c>.</param>
/// <param name="Message">What a person needs to know.</param>
/// <param name="ObservedGeneration">The route's generation the condition was computed for.</param>
/// <param name="LastTransitionTime">When <paramref name="Status"/> last changed.</param>
public sealed record RouteCondition(string Type, string Status, string Reason, string Message, long ObservedGeneration, DateTimeOffset LastTransitionTime);
