namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Gateway API <c>HTTPRouteTimeouts</c>. Null (or <c>0s</c> in a manifest): no timeout.</summary>
/// <param name="Request">The whole request, retries included.</param>
/// <param name="BackendRequest">Each attempt sent to a backend; at most <paramref name="Request"/>.</param>
/// <param name="Idle">How long a stream may see no activity (no request or response bytes, no response head),
/// whatever its state: Linkerd's <c>timeout.linkerd.io/idle</c>. Gateway API has no such field, so only that
/// annotation sets it.</param>
public sealed record RouteTimeouts(TimeSpan? Request, TimeSpan? BackendRequest, TimeSpan? Idle = null);
