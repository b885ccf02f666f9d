using Linnet.Proxy.Authorization;
using Linnet.Proxy.Configuration;
using Microsoft.Extensions.Primitives;

namespace Linnet.Proxy.Tests.Authorization;

/// <summary>A config provider with no services and an inbound policy the test sets and may replace.</summary>
internal sealed class PolicyConfigProvider : IProxyConfigProvider, IDisposable
{
    private CancellationTokenSource _changed = new();
    private ProxyConfigSnapshot _snapshot;

    public PolicyConfigProvider(InboundPolicyConfig policy)
    {
        _snapshot = new ProxyConfigSnapshot("v1", [], new CancellationChangeToken(_changed.Token)) { InboundPolicy = policy };
    }

    public ProxyConfigSnapshot GetConfig() => _snapshot;

    public void Update(InboundPolicyConfig policy)
    {
        var previous = _changed;
        _changed = new CancellationTokenSource();
        _snapshot = new ProxyConfigSnapshot("v2", [], new CancellationChangeToken(_changed.Token)) { InboundPolicy = policy };
        previous.Cancel();
        previous.Dispose();
    }

    public void Dispose() => _changed.Dispose();
}
