namespace Linnet.ControlPlane.Core.Metrics;

/// <summary>One row of <c>linnet routes</c>: a route rule's traffic as its clients' proxies saw it.</summary>
/// <param name="Client">The workload whose proxies sent the requests.</param>
/// <param name="Parent">The Service the route is attached to (<c>namespace/name:port</c>).</param>
/// <param name="Route">The route (<c>namespace/name</c>).</param>
/// <param name="Kind"><c>HTTPRoute</c> or <c>GRPCRoute</c>.</param>
/// <param name="Stats">Its requests (a response with a 5xx status or an error is a failure; no latency: route
/// series carry none).</param>
public sealed record RouteRow(WorkloadRef Client, string Parent, string Route, string Kind, TrafficStats Stats);
