using Microsoft.Extensions.Primitives;

namespace Linnet.Proxy.Configuration;

/// <summary>Routing config that never changes: the services of a <c>--config</c> file.</summary>
internal sealed class StaticProxyConfigProvider : IProxyConfigProvider
{
    private readonly ProxyConfigSnapshot _snapshot;

    /// <summary>Serves <paramref name="services"/> for the life of the process.</summary>
    public StaticProxyConfigProvider(IReadOnlyList<ServiceConfig> services)
    {
        _snapshot = new ProxyConfigSnapshot("static", services, new CancellationChangeToken(CancellationToken.None));
    }

    /// <inheritdoc />
    public ProxyConfigSnapshot GetConfig() => _snapshot;
}
