using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Linnet.Proxy.Tls;

/// <summary>A Kestrel connection over a decrypted stream: how HTTP/2 from a client proxy reaches Kestrel after
/// the proxy terminated its TLS. Kestrel reads and writes through pipes over the stream; aborting or
/// disposing the connection closes the stream (and the socket under it).</summary>
internal sealed class StreamConnection : ConnectionContext
{
    private static long s_nextId;

    private readonly Stream _stream;
    private readonly CancellationTokenSource _closed = new();
    private readonly Action? _onDisposed;
    private int _disposed;

    public StreamConnection(Stream stream, EndPoint? localEndPoint, EndPoint? remoteEndPoint, Action? onDisposed)
    {
        _stream = stream;
        _onDisposed = onDisposed;
        LocalEndPoint = localEndPoint;
        RemoteEndPoint = remoteEndPoint;
        ConnectionId = "linnet-tls-" + Interlocked.Increment(ref s_nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Transport = new Pipe(
            PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true)),
            PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true)));
        ConnectionClosed = _closed.Token;
    }

    public override string ConnectionId { get; set; }

    public override IFeatureCollection Features { get; } = new FeatureCollection();

    public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();

    public override IDuplexPipe Transport { get; set; }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        // Closing the stream ends pending reads and writes at once; Kestrel then disposes the connection.
        _stream.Dispose();
        Cancel();
    }

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            await base.DisposeAsync();
            return;
        }

        try
        {
            await Transport.Output.CompleteAsync();
            await Transport.Input.CompleteAsync();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The stream is already gone; nothing more to flush.
        }

        await _stream.DisposeAsync();
        Cancel();
        _closed.Dispose();
        _onDisposed?.Invoke();
        await base.DisposeAsync();
    }

    private void Cancel()
    {
        try
        {
            _closed.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private sealed class Pipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
