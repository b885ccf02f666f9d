using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Linnet.Proxy.Tests.Infrastructure;

/// <summary>A plain socket for sending exactly the bytes a test wants, malformed ones included.</summary>
internal sealed class RawConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly MemoryStream _received = new();

    private RawConnection(Socket socket)
    {
        _socket = socket;
    }

    public static async Task<RawConnection> ConnectAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint);
        return new RawConnection(socket);
    }

    public Task SendAsync(string ascii) => SendAsync(Encoding.ASCII.GetBytes(ascii));

    public async Task SendAsync(byte[] bytes) => await _socket.SendAsync(bytes, SocketFlags.None);

    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>Reads until the peer closes (bounded by <paramref name="timeout"/>); everything received.</summary>
    public async Task<byte[]> ReadToEndAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var buffer = new byte[16 * 1024];
        while (true)
        {
            int n;
            try
            {
                n = await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            }
            catch (SocketException)
            {
                break;
            }

            if (n == 0)
            {
                break;
            }

            _received.Write(buffer, 0, n);
        }

        return _received.ToArray();
    }

    /// <summary>Reads until the received text contains <paramref name="marker"/> (bounded).</summary>
    public async Task<string> ReadUntilAsync(string marker, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var text = Encoding.ASCII.GetString(_received.GetBuffer(), 0, (int)_received.Length);
            if (text.Contains(marker, StringComparison.Ordinal))
            {
                return text;
            }

            var n = await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            if (n == 0)
            {
                throw new IOException($"connection closed before '{marker}'; received: {text}");
            }

            _received.Write(buffer, 0, n);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        await _received.DisposeAsync();
    }
}
