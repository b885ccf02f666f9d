using System.Collections.Concurrent;

namespace Linnet.ControlPlane.Destination;

/// <summary>Every proxy subscribed right now.</summary>
internal sealed class ProxyRegistry(TimeProvider time)
{
    private readonly ConcurrentDictionary<long, ConnectedProxy> _proxies = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _nextId;

    public int Count => _proxies.Count;

    /// <summary>Completes at the next subscribe or unsubscribe (for watchers such as the dashboard and tests).</summary>
    public Task Changed => Volatile.Read(ref _changed).Task;

    public ConnectedProxy Add(string ns, string workload, string instance, string remoteAddress)
    {
        var proxy = new ConnectedProxy(Interlocked.Increment(ref _nextId), ns, workload, instance, remoteAddress, time.GetUtcNow());
        _proxies[proxy.Id] = proxy;
        Signal();
        return proxy;
    }

    public void Remove(ConnectedProxy proxy)
    {
        if (_proxies.TryRemove(proxy.Id, out _))
        {
            Signal();
        }
    }

    /// <summary>The subscribed proxies, ordered by namespace, workload, instance, then connection order.</summary>
    public IReadOnlyList<ConnectedProxy> List() =>
        _proxies.Values
            .OrderBy(p => p.Namespace, StringComparer.Ordinal)
            .ThenBy(p => p.Workload, StringComparer.Ordinal)
            .ThenBy(p => p.Instance, StringComparer.Ordinal)
            .ThenBy(p => p.Id)
            .ToList();

    private void Signal() =>
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
