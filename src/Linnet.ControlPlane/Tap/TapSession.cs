using System.Collections.Concurrent;
using System.Threading.Channels;
using Linnet.Api.Tap;
using Linnet.Api.Tap.V1;

namespace Linnet.ControlPlane.Tap;

/// <summary>One tap opened through the API: the proxies it was started on, the acknowledgements they sent,
/// and its queue of events. The whole tap is held to its max rps here as well, whatever each proxy reports.</summary>
internal sealed class TapSession
{
    /// <summary>Events waiting for the API client; when it reads too slowly, newer ones are dropped.</summary>
    public const int QueueLength = 1024;

    private readonly ConcurrentDictionary<long, AttachedTapProxy> _proxies = new();
    private readonly ConcurrentDictionary<long, bool> _acknowledged = new();
    private readonly Channel<(string Proxy, TapEvent? Event)> _events = Channel.CreateBounded<(string Proxy, TapEvent? Event)>(new BoundedChannelOptions(QueueLength) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly TapRateLimiter _limiter;
    private TaskCompletionSource _ackChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TapSession(string id, TapTarget target, TapStart start, TimeProvider time)
    {
        Id = id;
        Target = target;
        Start = start;
        _limiter = new TapRateLimiter(start.MaxRps, time);
    }

    public string Id { get; }

    public TapTarget Target { get; }

    /// <summary>The start command (its max rps is the whole tap's; each proxy gets a share).</summary>
    public TapStart Start { get; }

    /// <summary>Events, and (with a null event) each proxy's acknowledgement as it arrives.</summary>
    public ChannelReader<(string Proxy, TapEvent? Event)> Events => _events.Reader;

    /// <summary>Proxies started on, and whether each acknowledged.</summary>
    public IReadOnlyList<(string Proxy, bool Started)> Proxies =>
        _proxies.Values.OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => (p.Name, _acknowledged.ContainsKey(p.Id))).ToList();

    public void Add(AttachedTapProxy proxy) => _proxies[proxy.Id] = proxy;

    public bool Includes(AttachedTapProxy proxy) => _proxies.ContainsKey(proxy.Id);

    public void Remove(AttachedTapProxy proxy)
    {
        _proxies.TryRemove(proxy.Id, out _);
        _acknowledged.TryRemove(proxy.Id, out _);
        Signal();
    }

    public void Acknowledged(AttachedTapProxy proxy)
    {
        if (_proxies.ContainsKey(proxy.Id))
        {
            _acknowledged[proxy.Id] = true;
            _events.Writer.TryWrite((proxy.Name, null));
            Signal();
        }
    }

    /// <summary>Completes once every proxy the tap was started on has acknowledged it (or is gone).</summary>
    public async Task WhenStartedAsync(CancellationToken ct)
    {
        while (true)
        {
            var changed = Volatile.Read(ref _ackChanged).Task;
            if (_proxies.Keys.All(_acknowledged.ContainsKey))
            {
                return;
            }

            await changed.WaitAsync(ct);
        }
    }

    /// <summary>Queues an event within the tap's rate; false when it was not queued.</summary>
    public bool Deliver(AttachedTapProxy proxy, TapEvent e) => _limiter.TryAcquire() && _events.Writer.TryWrite((proxy.Name, e));

    public IEnumerable<AttachedTapProxy> AllProxies => _proxies.Values;

    public void Complete() => _events.Writer.TryComplete();

    private void Signal() =>
        Interlocked.Exchange(ref _ackChanged, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
