using System.Collections.Concurrent;

namespace Linnet.Proxy.Listening.Stages;

/// <summary>The listener's shutdown state as the stages see it: whether it is stopping, the token that cuts
/// connections after the drain timeout, and the opaque connections the drain waits for (they have no request
/// boundary; HTTP connections drain in Kestrel).</summary>
internal sealed class ConnectionDrain : IDisposable
{
    private readonly ConcurrentDictionary<Task, byte> _opaque = new();
    private readonly CancellationTokenSource _abort = new();
    private volatile bool _stopping;

    /// <summary>Cancelled when the drain timeout has passed (or the listener is disposed).</summary>
    public CancellationToken Abort => _abort.Token;

    /// <summary>True once the listener stopped accepting.</summary>
    public bool Stopping => _stopping;

    /// <summary>Opaque connections still relaying.</summary>
    public int OpaqueCount => _opaque.Count;

    /// <summary>Marks the listener as stopping.</summary>
    public void Stop() => _stopping = true;

    /// <summary>Runs <paramref name="relay"/> as a connection the drain waits for.</summary>
    public async Task TrackAsync(Task relay)
    {
        _opaque.TryAdd(relay, 0);
        try
        {
            await relay;
        }
        finally
        {
            _opaque.TryRemove(relay, out _);
        }
    }

    /// <summary>Completes when every tracked connection has ended.</summary>
    public Task WhenAllEnded() => Task.WhenAll(_opaque.Keys);

    /// <summary>Cuts every connection still open.</summary>
    public Task CancelAsync() => _abort.CancelAsync();

    /// <inheritdoc />
    public void Dispose() => _abort.Dispose();
}
