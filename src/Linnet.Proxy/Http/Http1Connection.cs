using System.IO.Pipelines;
using System.Net.Sockets;
using Linnet.Proxy.Telemetry;

namespace Linnet.Proxy.Http;

/// <summary>One pooled plaintext HTTP/1.1 connection of <see cref="Http1Forwarder"/> to an upstream: the socket,
/// pipes over a stream that counts its bytes in the transport metrics (<c>peer="dst"</c>), and when it was last
/// given back to the pool.</summary>
internal sealed class Http1Connection : IDisposable
{
    private readonly Socket _socket;
    private readonly CountingStream _stream;
    private int _disposed;

    public Http1Connection(Socket socket, TcpSeries series, Func<double> elapsedMs)
    {
        _socket = socket;
        _stream = new CountingStream(new NetworkStream(socket, ownsSocket: true), series, elapsedMs);
        Reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 8192, minimumReadSize: 2048, leaveOpen: true));
        Writer = PipeWriter.Create(_stream, new StreamPipeWriterOptions(minimumBufferSize: 4096, leaveOpen: true));
    }

    /// <summary>The upstream's bytes.</summary>
    public PipeReader Reader { get; }

    /// <summary>Bytes to the upstream.</summary>
    public PipeWriter Writer { get; }

    /// <summary>When the connection went back to the pool (a <see cref="TimeProvider"/> timestamp).</summary>
    public long IdleSince { get; set; }

    /// <summary>Whether an idle connection is no longer usable: the upstream closed it (or sent bytes nobody
    /// asked for, which would desynchronise the next response).</summary>
    public bool IsStale()
    {
        try
        {
            return _socket.Poll(0, SelectMode.SelectRead);
        }
        catch (SocketException)
        {
            return true;
        }
        catch (ObjectDisposedException)
        {
            return true;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // The stream first: a read or write still pending on it fails instead of waiting.
        _stream.Dispose();
        try
        {
            Reader.Complete();
            Writer.Complete();
        }
        catch (InvalidOperationException)
        {
            // A pipe operation still in flight on another task; the stream is closed, so it ends by itself.
        }
    }
}
