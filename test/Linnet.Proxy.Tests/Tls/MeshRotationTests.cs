using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Identity;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Proxy.Tests.Tcp;
using Linnet.Proxy.Tls;
using Linnet.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Linnet.Proxy.Tests.Tls;

/// <summary>Certificates and trust anchors change under load without a failed request.</summary>
public sealed class MeshRotationTests
{
    [Fact]
    public async Task Rotate_LeavesEverySecondUnderLoad_NoFailureAndNewHandshakesUseNewCertificate()
    {
        var ct = TestContext.Current.CancellationToken;
        var ca = TestMeshCa.Create();
        await using var app = await HttpTestApp.StartAsync("web", HttpProtocols.Http1, ct);
        await using var echo = await TcpEchoServer.StartAsync(ct);
        var clientIdentity = ca.NewIdentity(MeshPair.ClientName);
        var serverIdentity = ca.NewIdentity(MeshPair.ServerName);
        await using var mesh = await MeshPair.StartAsync(app.Port, clientIdentity, serverIdentity);

        // Opaque TCP to a second server proxy makes a new handshake per connection, so rotations meet
        // handshakes as well as long-lived HTTP/2 connections.
        var opaquePort = PortAllocator.GetFreeTcpPort();
        await using var opaqueServer = await TestProxy.StartAsync(echo.Port, identity: serverIdentity);
        var opaqueService = new ServiceConfig("echo", [], 7, ServiceProtocol.Opaque, opaquePort,
            [new EndpointConfig("127.0.0.1", opaqueServer.Inbound.Port) { Identity = MeshPair.ServerName }]);
        await using var opaqueClient = await TestProxy.StartAsync(appPort: 1, services: [opaqueService], identity: clientIdentity);

        var failures = new List<string>();
        var httpOk = 0;
        var tcpOk = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var rotations = 0;
        var rotator = Task.Run(async () =>
        {
            // Short-lived leaves, replaced every second on both sides, for a bounded number of rounds.
            for (var i = 0; i < 6; i++)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
                clientIdentity.Update(ca.Issue(MeshPair.ClientName, TimeSpan.FromSeconds(30)));
                serverIdentity.Update(ca.Issue(MeshPair.ServerName, TimeSpan.FromSeconds(30)));
                rotations++;
            }

            await stop.CancelAsync();
        }, ct);

        var http = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var n = 0; n < 5_000 && !stop.IsCancellationRequested; n++)
            {
                try
                {
                    using var response = await mesh.Http.SendAsync(MeshPair.Request(HttpMethod.Get, "/hello"), ct);
                    await response.Content.ReadAsByteArrayAsync(ct);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref httpOk);
                    }
                    else
                    {
                        lock (failures)
                        {
                            failures.Add($"HTTP {(int)response.StatusCode}");
                        }
                    }
                }
                catch (HttpRequestException ex)
                {
                    lock (failures)
                    {
                        failures.Add(ex.Message);
                    }
                }
            }
        }, ct)).ToList();
        var tcp = Task.Run(async () =>
        {
            for (var n = 0; n < 2_000 && !stop.IsCancellationRequested; n++)
            {
                try
                {
                    using var socket = await RawTcp.ConnectAsync(new IPEndPoint(IPAddress.Loopback, opaquePort), ct);
                    await RawTcp.SendAsync(socket, "ping", ct);
                    socket.Shutdown(SocketShutdown.Send);
                    var back = await RawTcp.ReadToEndAsync(socket, ct);
                    if (back.Length == 4)
                    {
                        Interlocked.Increment(ref tcpOk);
                    }
                    else
                    {
                        lock (failures)
                        {
                            failures.Add($"TCP echo returned {back.Length} bytes");
                        }
                    }
                }
                catch (Exception ex) when (ex is SocketException or IOException)
                {
                    lock (failures)
                    {
                        failures.Add("TCP: " + ex.Message);
                    }
                }
            }
        }, ct);

        await rotator;
        await Task.WhenAll([.. http, tcp]);

        var errors = string.Join("\n", (await opaqueClient.ScrapeAsync()).All("proxy_error_total").Select(e => $"{string.Join(",", e.Labels)} {e.Value}"))
            + "\n" + string.Join("\n", (await opaqueServer.ScrapeAsync()).All("proxy_error_total").Select(e => $"{string.Join(",", e.Labels)} {e.Value}"));
        Assert.True(failures.Count == 0, $"{failures.Count} failures ({httpOk} HTTP, {tcpOk} TCP ok): {string.Join("; ", failures.Distinct())}\n{errors}");
        Assert.Equal(6, rotations);
        Assert.True(httpOk > 0 && tcpOk > 0, $"load ran: {httpOk} HTTP, {tcpOk} TCP");

        // A handshake now meets the newest certificate.
        var seen = await ServerCertificateAsync(opaqueServer.Inbound, ca, ct);
        Assert.Equal(serverIdentity.Current!.Certificate.SerialNumber, seen.SerialNumber);
    }

    [Fact]
    public async Task Rotate_TwoAnchorsInBundle_OldAndNewLeavesInteroperate()
    {
        var ct = TestContext.Current.CancellationToken;
        var oldCa = TestMeshCa.Create("old");
        var newCa = TestMeshCa.Create("new");
        X509Certificate2Collection bundle = [oldCa.Anchor, newCa.Anchor];
        var client = new ProxyIdentity(true);
        client.Update(oldCa.Issue(MeshPair.ClientName, anchors: bundle));
        var server = new ProxyIdentity(true);
        server.Update(newCa.Issue(MeshPair.ServerName, anchors: bundle));
        await using var app = await HttpTestApp.StartAsync("web", HttpProtocols.Http1, ct);
        await using var mesh = await MeshPair.StartAsync(app.Port, client, server);

        for (var i = 0; i < 20; i++)
        {
            using var response = await mesh.Http.SendAsync(MeshPair.Request(HttpMethod.Get, "/hello"), ct);
            MeshPair.AssertOk(response);
        }

        // The client moves to the new CA mid-way (new handshakes only); requests keep succeeding.
        client.Update(newCa.Issue(MeshPair.ClientName, anchors: bundle));
        for (var i = 0; i < 20; i++)
        {
            using var response = await mesh.Http.SendAsync(MeshPair.Request(HttpMethod.Get, "/hello"), ct);
            MeshPair.AssertOk(response);
        }

        Assert.Equal(40, app.RequestCount);
    }

    private static async Task<X509Certificate2> ServerCertificateAsync(IPEndPoint server, TestMeshCa ca, CancellationToken ct)
    {
        var tls = new MeshTls(ca.NewIdentity(MeshPair.ClientName), new BootstrapConfig(), TimeProvider.System);
        using var socket = await RawTcp.ConnectAsync(server, ct);
        await using var stream = await tls.ConnectAsync(new NetworkStream(socket), MeshPair.ServerName, MeshAlpn.Transport, "server", ct);
        Debug.Assert(stream.RemoteCertificate is not null);
        return X509CertificateLoader.LoadCertificate(stream.RemoteCertificate.GetRawCertData());
    }
}
