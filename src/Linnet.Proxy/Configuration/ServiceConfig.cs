namespace Linnet.Proxy.Configuration;

/// <summary>A service port the local app may call through the outbound listener.</summary>
/// <param name="Name">The authority host the app uses (for example <c>backend</c>).</param>
/// <param name="Aliases">Other host names that mean the same service (for example the FQDN).</param>
/// <param name="Port">The service port the app addresses.</param>
/// <param name="Protocol">Detect or opaque.</param>
/// <param name="LocalPort">When set, a dedicated outbound listener on loopback for this service port, so
/// that apps with no proxy support (opaque TCP clients) reach it by address alone.</param>
/// <param name="Endpoints">Where the service's instances listen.</param>
public sealed record ServiceConfig(
    string Name,
    IReadOnlyList<string> Aliases,
    int Port,
    ServiceProtocol Protocol,
    int? LocalPort,
    IReadOnlyList<EndpointConfig> Endpoints)
{
    /// <summary>The service's display key, <c>name:port</c>.</summary>
    public string Key => $"{Name}:{Port}";
}
