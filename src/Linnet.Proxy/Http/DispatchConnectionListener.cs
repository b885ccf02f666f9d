using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;

namespace Linnet.Proxy.Http;

/// <summary>Hands connections that the proxy accepted and classified to Kestrel's HTTP handling.</summary>
internal sealed class DispatchConnectionListener(EndPoint endPoint) : IConnectionListener
{
    private readonly Channel<ConnectionContext> _queue = Channel.CreateUnbounded<ConnectionContext>(
        new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });

    public EndPoint EndPoint { get; } = endPoint;

    /// <summary>Queues a connection for Kestrel; false when Kestrel has stopped accepting.</summary>
    public bool TryDispatch(ConnectionContext connection) => _queue.Writer.TryWrite(connection);

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _queue.Reader.ReadAsync(cancellationToken);
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        Close();
        return ValueTask.CompletedTask;
    }

    /// <summary>Stops queueing; Kestrel's accept loop ends once the queue is empty.</summary>
    public void Close() => _queue.Writer.TryComplete();

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        while (_queue.Reader.TryRead(out var pending))
        {
            await pending.DisposeAsync();
        }
    }
}
