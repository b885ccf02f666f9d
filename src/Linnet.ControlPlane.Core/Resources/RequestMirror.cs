namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Gateway API <c>RequestMirror</c>: a share of requests copied to another Service.</summary>
/// <param name="BackendRef">The mirror Service (its weight is unused).</param>
/// <param name="Percent">0 to 100 (from <c>percent</c>, or <c>fraction</c> numerator/denominator).</param>
public sealed record RequestMirror(BackendRef BackendRef, double Percent);
