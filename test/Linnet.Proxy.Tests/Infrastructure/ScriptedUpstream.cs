using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Linnet.Proxy.Tests.Infrastructure;

/// <summary>An upstream on 127.0.0.1 that a test drives byte by byte: it accepts connections when asked, reads what
/// the proxy sent, and answers exactly the bytes the test gives (malformed ones included).</summary>
internal sealed class ScriptedUpstream : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private int _accepted;

    private ScriptedUpstream(TcpListener listener)
    {
        _listener = listener;
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connections accepted so far.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    public static ScriptedUpstream Start()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new ScriptedUpstream(listener);
    }

    /// <summary>The next connection (bounded: fails after 10 s).</summary>
    public async Task<Connection> AcceptAsync(CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(10));
        var socket = await _listener.AcceptSocketAsync(cts.Token);
        Interlocked.Increment(ref _accepted);
        return new Connection(socket);
    }

    public ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>One accepted connection.</summary>
    internal sealed class Connection(Socket socket) : IAsyncDisposable
    {
        private readonly MemoryStream _pending = new();

        /// <summary>Reads one request head, up to and including the empty line.</summary>
        public Task<string> ReadHeadAsync() => ReadUntilAsync("\r\n\r\n");

        /// <summary>Reads up to and including <paramref name="marker"/>; what came after stays for the next read.</summary>
        public async Task<string> ReadUntilAsync(string marker)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var buffer = new byte[8192];
            while (true)
            {
                var text = Encoding.Latin1.GetString(_pending.GetBuffer(), 0, (int)_pending.Length);
                var at = text.IndexOf(marker, StringComparison.Ordinal);
                if (at >= 0)
                {
                    var end = at + marker.Length;
                    var rest = _pending.GetBuffer().AsSpan(end, (int)_pending.Length - end).ToArray();
                    _pending.SetLength(0);
                    _pending.Write(rest);
                    return text[..end];
                }

                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (n == 0)
                {
                    throw new IOException($"connection closed before '{marker}'; received: {text}");
                }

                _pending.Write(buffer, 0, n);
            }
        }

        /// <summary>Reads exactly <paramref name="count"/> bytes.</summary>
        public async Task<string> ReadExactAsync(int count)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var buffer = new byte[8192];
            while (_pending.Length < count)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                if (n == 0)
                {
                    throw new IOException("connection closed early");
                }

                _pending.Write(buffer, 0, n);
            }

            var text = Encoding.Latin1.GetString(_pending.GetBuffer(), 0, count);
            var rest = _pending.GetBuffer().AsSpan(count, (int)_pending.Length - count).ToArray();
            _pending.SetLength(0);
            _pending.Write(rest);
            return text;
        }

        /// <summary>Whether the peer closes the connection within 10 s without sending anything more.</summary>
        public async Task<bool> ClosedByPeerAsync()
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var buffer = new byte[1024];
            try
            {
                return _pending.Length == 0 && await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token) == 0;
            }
            catch (SocketException)
            {
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        public async Task SendAsync(string latin1) => await socket.SendAsync(Encoding.Latin1.GetBytes(latin1), SocketFlags.None);

        /// <summary>Closes the connection (FIN).</summary>
        public void Close()
        {
            socket.Shutdown(SocketShutdown.Both);
            socket.Close();
        }

        public ValueTask DisposeAsync()
        {
            socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
