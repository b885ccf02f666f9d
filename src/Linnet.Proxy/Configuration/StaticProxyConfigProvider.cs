using Microsoft.Extensions.Primitives;

namespace Linnet.Proxy.Configuration;

/// <summary>Routing config that never changes: the services of a <c>--config</c> file.</summary>
internal sealed class StaticProxyConfigProvider : IProxyConfigProvider
{
    private readonly ProxyConfigSnapshot _snapshot;

    /// <summary>Serves <paramref name="services"/> for the life of the process, enforcing
    /// <paramref name="defaultPolicy"/> on inbound traffic (the file's <c>inbound.defaultPolicy</c>).</summary>
    public StaticProxyConfigProvider(IReadOnlyList<ServiceConfig> services, DefaultInboundPolicy defaultPolicy = DefaultInboundPolicy.AllUnauthenticated)
    {
        _snapshot = new ProxyConfigSnapshot("static", services, new CancellationChangeToken(CancellationToken.None)) { InboundPolicy = InboundPolicyConfig.Uniform(defaultPolicy) };
    }

    /// <inheritdoc />
    public ProxyConfigSnapshot GetConfig() => _snapshot;
}
