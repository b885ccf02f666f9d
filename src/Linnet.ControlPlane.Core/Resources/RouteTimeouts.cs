namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Gateway API <c>HTTPRouteTimeouts</c>. Null (or <c>0s</c> in a manifest): no timeout.</summary>
/// <param name="Request">The whole request, retries included.</param>
/// <param name="BackendRequest">Each attempt sent to a backend; at most <paramref name="Request"/>.</param>
public sealed record RouteTimeouts(TimeSpan? Request, TimeSpan? BackendRequest);
