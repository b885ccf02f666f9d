using System.Collections.Concurrent;
using System.Globalization;
using Linnet.Api.Tap.V1;

namespace Linnet.ControlPlane.Tap;

/// <summary>Joins the two ends of tap: proxies attached over gRPC, and taps opened through the HTTP API. A tap
/// is started on every attached proxy its target covers, and on any such proxy that attaches while it runs;
/// an event is passed on only to the tap it names and only from a proxy that tap was started on.</summary>
internal sealed class TapBroker(TimeProvider time)
{
    private readonly ConcurrentDictionary<long, AttachedTapProxy> _proxies = new();
    private readonly ConcurrentDictionary<string, TapSession> _sessions = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private long _nextProxy;
    private long _nextTap;

    public int AttachedCount => _proxies.Count;

    public IReadOnlyList<AttachedTapProxy> Attached => [.. _proxies.Values];

    public AttachedTapProxy Attach(string ns, string workload, string instance)
    {
        var proxy = new AttachedTapProxy(Interlocked.Increment(ref _nextProxy), ns, workload, instance);
        lock (_lock)
        {
            _proxies[proxy.Id] = proxy;
            foreach (var session in _sessions.Values)
            {
                if (session.Target.Covers(proxy))
                {
                    StartOn(session, proxy, Math.Max(1, session.AllProxies.Count() + 1));
                }
            }
        }

        return proxy;
    }

    public void Detach(AttachedTapProxy proxy)
    {
        lock (_lock)
        {
            _proxies.TryRemove(proxy.Id, out _);
            foreach (var session in _sessions.Values)
            {
                session.Remove(proxy);
            }
        }

        proxy.Close();
    }

    /// <summary>Opens a tap and starts it on every attached proxy the target covers, each with an even share
    /// of the tap's max rps.</summary>
    public TapSession Open(TapTarget target, TapStart template)
    {
        var id = "tap-" + Interlocked.Increment(ref _nextTap).ToString(CultureInfo.InvariantCulture);
        var start = template.Clone();
        start.Id = id;
        var session = new TapSession(id, target, start, time);
        lock (_lock)
        {
            _sessions[id] = session;
            var covered = _proxies.Values.Where(target.Covers).ToList();
            foreach (var proxy in covered)
            {
                StartOn(session, proxy, covered.Count);
            }
        }

        return session;
    }

    public void Close(TapSession session)
    {
        lock (_lock)
        {
            _sessions.TryRemove(session.Id, out _);
            foreach (var proxy in session.AllProxies)
            {
                proxy.Send(new TapCommand { Stop = session.Id });
            }
        }

        session.Complete();
    }

    public void Started(AttachedTapProxy proxy, string tapId)
    {
        if (_sessions.TryGetValue(tapId, out var session))
        {
            session.Acknowledged(proxy);
        }
    }

    /// <summary>Passes an event on; false when no open tap of that proxy has its id.</summary>
    public bool Deliver(AttachedTapProxy proxy, TapEvent e) =>
        _sessions.TryGetValue(e.TapId, out var session) && session.Includes(proxy) && session.Deliver(proxy, e);

    private static void StartOn(TapSession session, AttachedTapProxy proxy, int shares)
    {
        var start = session.Start.Clone();
        start.MaxRps = session.Start.MaxRps / shares;
        session.Add(proxy);
        proxy.Send(new TapCommand { Start = start });
    }
}
