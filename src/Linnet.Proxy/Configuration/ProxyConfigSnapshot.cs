using Microsoft.Extensions.Primitives;

namespace Linnet.Proxy.Configuration;

/// <summary>The routing config at one moment. <see cref="ChangeToken"/> fires when a newer one exists.</summary>
public sealed record ProxyConfigSnapshot(string Version, IReadOnlyList<ServiceConfig> Services, IChangeToken ChangeToken);
