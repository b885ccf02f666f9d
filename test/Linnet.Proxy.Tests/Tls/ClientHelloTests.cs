using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using Linnet.Proxy.Tls;

namespace Linnet.Proxy.Tests.Tls;

/// <summary>Classifying a real ClientHello (captured from SslStream on a loopback socket) by its ALPN offer.</summary>
public sealed class ClientHelloTests
{
    [Fact]
    public async Task Classify_MeshAlpnOffered_Mesh()
    {
        var hello = await CaptureAsync(MeshAlpn.Http2);

        Assert.Equal(ClientHelloKind.Mesh, ClientHello.Classify(hello));
    }

    [Fact]
    public async Task Classify_TransportAlpnOffered_Mesh()
    {
        var hello = await CaptureAsync(MeshAlpn.Transport);

        Assert.Equal(ClientHelloKind.Mesh, ClientHello.Classify(hello));
    }

    [Fact]
    public async Task Classify_AppTlsWithH2_Other()
    {
        var hello = await CaptureAsync(SslApplicationProtocol.Http2);

        Assert.Equal(ClientHelloKind.Other, ClientHello.Classify(hello));
    }

    [Fact]
    public async Task Classify_Truncated_NeedMore()
    {
        var hello = await CaptureAsync(MeshAlpn.Http2);

        Assert.Equal(ClientHelloKind.NeedMore, ClientHello.Classify(hello.AsSpan(0, hello.Length - 1)));
        Assert.Equal(ClientHelloKind.NeedMore, ClientHello.Classify(hello.AsSpan(0, 3)));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n")]
    [InlineData("\u0016\u0003\u0001\u0000\u0005\u0002\u0000\u0000\u0001\u0000")]
    public void Classify_NotAClientHello_Other(string text)
    {
        Assert.Equal(ClientHelloKind.Other, ClientHello.Classify(System.Text.Encoding.Latin1.GetBytes(text)));
    }

    private static async Task<byte[]> CaptureAsync(SslApplicationProtocol protocol)
    {
        var ct = TestContext.Current.CancellationToken;
        using var listener = new Socket(SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!, ct);
        using var server = await listener.AcceptAsync(ct);
        await using var ssl = new SslStream(new NetworkStream(client), false);
        var handshake = ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = string.Empty,
            EnabledSslProtocols = SslProtocols.Tls13,
            ApplicationProtocols = [protocol],
        }, ct);

        var header = new byte[5];
        await ReadExactlyAsync(server, header, ct);
        var body = new byte[(header[3] << 8) | header[4]];
        await ReadExactlyAsync(server, body, ct);
        server.Close();
        await handshake.ContinueWith(static _ => { }, TaskScheduler.Default);
        return [.. header, .. body];
    }

    private static async Task ReadExactlyAsync(Socket socket, byte[] buffer, CancellationToken ct)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, ct);
            Assert.True(n > 0, "the client closed before sending its ClientHello");
            filled += n;
        }
    }
}
