using System.Net;
using System.Net.Sockets;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Identity;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Proxy.Tls;

namespace Linnet.Proxy.Tests.Tls;

/// <summary>The handshake itself, both ends over a real loopback socket pair: who is accepted, and the
/// reason given when someone is not.</summary>
public sealed class MeshTlsTests
{
    private static readonly string Client = TestMeshCa.Identity("ns", "client");
    private static readonly string Server = TestMeshCa.Identity("ns", "server");

    [Fact]
    public async Task Handshake_SameCa_BothSidesLearnPeerIdentity()
    {
        var ca = TestMeshCa.Create();

        var (serverResult, clientResult) = await HandshakeAsync(ca.NewIdentity(Client), ca.NewIdentity(Server), expected: Server);

        Assert.Equal(Client, serverResult);
        Assert.Equal(MeshAlpn.Http2, clientResult);
    }

    [Fact]
    public async Task Handshake_ServerHasWrongIdentity_ClientRefusesNamingBoth()
    {
        var ca = TestMeshCa.Create();

        var ex = await Assert.ThrowsAsync<MeshTlsException>(() => HandshakeAsync(ca.NewIdentity(Client), ca.NewIdentity(TestMeshCa.Identity("ns", "other")), expected: Server));

        Assert.Contains("presented identity spiffe://cluster.local/ns/ns/sa/other, expected " + Server, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handshake_ServerFromAnotherCa_ClientRefuses()
    {
        var ours = TestMeshCa.Create("ours");
        var theirs = TestMeshCa.Create("theirs");

        var ex = await Assert.ThrowsAsync<MeshTlsException>(() => HandshakeAsync(ours.NewIdentity(Client), theirs.NewIdentity(Server), expected: Server, serverTrusts: ours));

        Assert.Contains("not valid under our trust anchors", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handshake_ServerCertificateExpired_ClientRefuses()
    {
        var ca = TestMeshCa.Create();
        var server = new ProxyIdentity(true);
        server.Update(ca.Issue(Server, TimeSpan.FromHours(1), TimeProvider.System.GetUtcNow().AddHours(-2)));

        var ex = await Assert.ThrowsAsync<MeshTlsException>(() => HandshakeAsync(ca.NewIdentity(Client), server, expected: Server));

        Assert.Contains("expired", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handshake_ProxyWithoutCertificate_FailsWithinBound()
    {
        var ca = TestMeshCa.Create();
        var empty = new ProxyIdentity(true);

        var ex = await Assert.ThrowsAsync<MeshTlsException>(() => HandshakeAsync(empty, ca.NewIdentity(Server), expected: Server));

        Assert.Contains("no certificate", ex.Message, StringComparison.Ordinal);
    }

    private static async Task<(string ServerSaw, System.Net.Security.SslApplicationProtocol ClientGot)> HandshakeAsync(
        ProxyIdentity client, ProxyIdentity server, string expected, TestMeshCa? serverTrusts = null)
    {
        var ct = TestContext.Current.CancellationToken;
        var config = new BootstrapConfig { DetectTimeout = TimeSpan.FromMilliseconds(300) };
        var clientTls = new MeshTls(client, config, TimeProvider.System);
        var serverTls = new MeshTls(server, config, TimeProvider.System);
        if (serverTrusts is not null && server.Current is { } material)
        {
            server.Update(material with { TrustAnchors = [serverTrusts.Anchor] });
        }

        using var listener = new Socket(SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var clientSocket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await clientSocket.ConnectAsync(listener.LocalEndPoint!, ct);
        using var serverSocket = await listener.AcceptAsync(ct);

        var serverTask = serverTls.AcceptAsync(new NetworkStream(serverSocket), ct);
        var clientTask = clientTls.ConnectAsync(new NetworkStream(clientSocket), expected, MeshAlpn.Http2, "test-server", ct);
        try
        {
            await using var clientStream = await clientTask;
            var (serverStream, seen) = await serverTask;
            await serverStream.DisposeAsync();
            return (seen, clientStream.NegotiatedApplicationProtocol);
        }
        finally
        {
            // Whichever side failed, the other must end too.
            clientSocket.Close();
            serverSocket.Close();
            await Task.WhenAll(serverTask, clientTask).ContinueWith(static _ => { }, TaskScheduler.Default);
        }
    }
}
