namespace Linnet.Proxy.Configuration;

/// <summary>A Server: the app ports it covers admit what one of its authorizations allows, else what
/// <paramref name="AccessPolicy"/> says.</summary>
internal sealed record InboundServerConfig(string Name, IReadOnlyList<int> Ports, DefaultInboundPolicy AccessPolicy, IReadOnlyList<AuthorizationConfig> Authorizations);
