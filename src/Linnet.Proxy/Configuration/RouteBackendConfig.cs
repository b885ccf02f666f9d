namespace Linnet.Proxy.Configuration;

/// <summary>Where a rule may send a request: the <see cref="ServiceConfig.Key"/> of a service in the same
/// snapshot, and its relative share (0: never chosen).</summary>
internal sealed record RouteBackendConfig(string ServiceKey, int Weight = 1);
