namespace Linnet.Proxy.Configuration;

/// <summary>An HTTPRoute attached to a service port: its rules, in precedence order.</summary>
/// <param name="Name">The route's <c>namespace/name</c>, for logs and errors.</param>
/// <param name="Rules">Evaluated in order; the first that applies decides.</param>
public sealed record RouteConfig(string Name, IReadOnlyList<RouteRuleConfig> Rules);
