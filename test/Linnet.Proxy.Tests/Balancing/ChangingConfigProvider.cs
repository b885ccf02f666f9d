using Linnet.Proxy.Configuration;
using Microsoft.Extensions.Primitives;

namespace Linnet.Proxy.Tests.Balancing;

/// <summary>A config provider whose snapshot the test replaces; subscribers hear of it synchronously.</summary>
internal sealed class ChangingConfigProvider : IProxyConfigProvider, IDisposable
{
    private CancellationTokenSource _changed = new();
    private ProxyConfigSnapshot _snapshot;

    public ChangingConfigProvider(IReadOnlyList<ServiceConfig> services)
    {
        _snapshot = new ProxyConfigSnapshot("v1", services, new CancellationChangeToken(_changed.Token));
    }

    public ProxyConfigSnapshot GetConfig() => _snapshot;

    public void Update(string version, IReadOnlyList<ServiceConfig> services)
    {
        var previous = _changed;
        _changed = new CancellationTokenSource();
        _snapshot = new ProxyConfigSnapshot(version, services, new CancellationChangeToken(_changed.Token));
        previous.Cancel();
        previous.Dispose();
    }

    public void Dispose() => _changed.Dispose();
}
