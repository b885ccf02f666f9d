using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Linnet.EndToEnd.Tests.Infrastructure;

/// <summary>One HTTP/1.1 exchange written by hand on a new TCP connection (<c>Connection: close</c>), read
/// until the peer closes: a plaintext or opaque client that sees exactly what the other end did, with no
/// retry and no connection pool in between.</summary>
internal static class RawHttp
{
    /// <summary>Everything read back, and whether the connection ended with a reset rather than a close.
    /// Connecting, writing and the deadline throw.</summary>
    public static async Task<(string Reply, bool Reset)> ExchangeAsync(string address, int port, string host, string pathAndQuery, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Parse(address), port, deadline.Token);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {pathAndQuery} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"), deadline.Token);
        using var received = new MemoryStream();
        var reset = false;
        try
        {
            await stream.CopyToAsync(received, deadline.Token);
        }
        catch (IOException ex) when (ex.InnerException is SocketException)
        {
            reset = true;
        }

        return (Encoding.ASCII.GetString(received.ToArray()), reset);
    }
}
