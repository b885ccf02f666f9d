namespace Linnet.Proxy.Configuration;

/// <summary>Route timeouts (Gateway API <c>HTTPRouteTimeouts</c>). When one expires the proxy answers 504
/// (gRPC: status 4, DEADLINE_EXCEEDED) unless the response has already started, then it resets the stream.</summary>
/// <param name="Request">From the request's arrival to the end of its response, retries and delays included; null: none.</param>
/// <param name="BackendRequest">For each attempt sent to a backend; null: none (only <paramref name="Request"/> applies).</param>
/// <param name="Idle">The longest an attempt may see no activity (no request or response bytes, no response
/// head), whatever its state (Linkerd's <c>timeout.linkerd.io/idle</c>); null: none.</param>
internal sealed record RouteTimeoutsConfig(TimeSpan? Request, TimeSpan? BackendRequest, TimeSpan? Idle = null);
