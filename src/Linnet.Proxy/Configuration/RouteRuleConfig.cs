namespace Linnet.Proxy.Configuration;

/// <summary>One rule of a route: it applies when any of its matches holds (or always, with none), and then
/// sends the request to one of its backends by weight.</summary>
public sealed record RouteRuleConfig(IReadOnlyList<RouteMatchConfig> Matches, IReadOnlyList<RouteBackendConfig> Backends);
