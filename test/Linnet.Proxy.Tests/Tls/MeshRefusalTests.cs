using System.Net;
using Linnet.Proxy.Http;
using Linnet.Proxy.Identity;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Linnet.Proxy.Tests.Tls;

/// <summary>A server proxy that cannot prove the identity discovery named: the handshake fails, the client
/// gets 502 with the reason, and nothing reaches the app.</summary>
public sealed class MeshRefusalTests
{
    [Fact]
    public async Task Forward_ServerCertificateFromAnotherCa_502AndAppUntouched()
    {
        var ours = TestMeshCa.Create("ours");
        var theirs = TestMeshCa.Create("theirs");
        // The server trusts our anchor too (so only the client's check can refuse), but its leaf is theirs.
        var server = new ProxyIdentity(true);
        server.Update(theirs.Issue(MeshPair.ServerName, anchors: [ours.Anchor, theirs.Anchor]));

        var (status, reason, appRequests) = await CallAsync(ours.NewIdentity(MeshPair.ClientName), server, MeshPair.ServerName);

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Contains("not valid under our trust anchors", reason, StringComparison.Ordinal);
        Assert.Equal(0, appRequests);
    }

    [Fact]
    public async Task Forward_ServerCertificateExpired_502AndAppUntouched()
    {
        var ca = TestMeshCa.Create();
        var server = new ProxyIdentity(true);
        server.Update(ca.Issue(MeshPair.ServerName, TimeSpan.FromHours(1), TimeProvider.System.GetUtcNow().AddHours(-3)));

        var (status, reason, appRequests) = await CallAsync(ca.NewIdentity(MeshPair.ClientName), server, MeshPair.ServerName);

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Contains("expired", reason, StringComparison.Ordinal);
        Assert.Equal(0, appRequests);
    }

    [Fact]
    public async Task Forward_ServerHasAnotherIdentity_502NamingBothAndAppUntouched()
    {
        var ca = TestMeshCa.Create();
        var impostor = TestMeshCa.Identity("test", "impostor");

        var (status, reason, appRequests) = await CallAsync(ca.NewIdentity(MeshPair.ClientName), ca.NewIdentity(impostor), MeshPair.ServerName);

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Contains($"presented identity {impostor}, expected {MeshPair.ServerName}", reason, StringComparison.Ordinal);
        Assert.Equal(0, appRequests);
    }

    [Fact]
    public async Task Forward_ClientCertificateFromAnotherCa_ServerRefusesAndAppUntouched()
    {
        var ours = TestMeshCa.Create("ours");
        var theirs = TestMeshCa.Create("theirs");
        // The client trusts the server's CA, but its own certificate is from a CA the server does not trust.
        var client = new ProxyIdentity(true);
        client.Update(theirs.Issue(MeshPair.ClientName, anchors: [ours.Anchor]));

        var (status, _, appRequests) = await CallAsync(client, ours.NewIdentity(MeshPair.ServerName), MeshPair.ServerName);

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Equal(0, appRequests);
    }

    [Fact]
    public async Task Forward_RefusedHandshake_CountedAsProxyError()
    {
        var ca = TestMeshCa.Create();
        var ct = TestContext.Current.CancellationToken;
        await using var app = await HttpTestApp.StartAsync("web", HttpProtocols.Http1, ct);
        await using var mesh = await MeshPair.StartAsync(app.Port, ca.NewIdentity(MeshPair.ClientName), ca.NewIdentity(TestMeshCa.Identity("test", "impostor")), MeshPair.ServerName);

        using var response = await mesh.Http.SendAsync(MeshPair.Request(HttpMethod.Get, "/hello"), ct);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var scrape = await mesh.Client.ScrapeWhenAsync(s => s.Sum("response_total", ("direction", "outbound")) >= 1);
        Assert.True(scrape.Sum("proxy_error_total", ("direction", "outbound"), ("reason", "tls_handshake_failed")) >= 1);
        Assert.Equal(1, scrape.Sum("response_total", ("direction", "outbound"), ("status_code", "502"), ("tls", "true"), ("server_id", MeshPair.ServerName)));
    }

    [Fact]
    public async Task Forward_ServerHoldsNoCertificateYet_502AfterBoundAndAppUntouched()
    {
        var ct = TestContext.Current.CancellationToken;
        var ca = TestMeshCa.Create();
        await using var app = await HttpTestApp.StartAsync("web", HttpProtocols.Http1, ct);
        await using var mesh = await MeshPair.StartAsync(app.Port, ca.NewIdentity(MeshPair.ClientName), new ProxyIdentity(true), MeshPair.ServerName,
            serverDetectTimeout: TimeSpan.FromMilliseconds(500));

        using var response = await mesh.Http.SendAsync(MeshPair.Request(HttpMethod.Get, "/hello"), ct);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal(0, app.RequestCount);
        var scrape = await mesh.Server.ScrapeAsync();
        Assert.Equal(1, scrape.Sum("proxy_error_total", ("direction", "inbound"), ("reason", "tls_handshake_failed")));
    }

    [Fact]
    public async Task Forward_ServerGetsCertificateWhileClientWaits_Served()
    {
        var ct = TestContext.Current.CancellationToken;
        var ca = TestMeshCa.Create();
        await using var app = await HttpTestApp.StartAsync("web", HttpProtocols.Http1, ct);
        var server = new ProxyIdentity(true);
        await using var mesh = await MeshPair.StartAsync(app.Port, ca.NewIdentity(MeshPair.ClientName), server, MeshPair.ServerName);

        var pending = mesh.Http.SendAsync(MeshPair.Request(HttpMethod.Get, "/hello"), ct);
        server.Update(ca.Issue(MeshPair.ServerName));
        using var response = await pending;

        MeshPair.AssertOk(response);
        Assert.Equal(1, app.RequestCount);
    }

    private static async Task<(HttpStatusCode Status, string Reason, int AppRequests)> CallAsync(ProxyIdentity client, ProxyIdentity server, string expected)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = await HttpTestApp.StartAsync("web", HttpProtocols.Http1, ct);
        await using var mesh = await MeshPair.StartAsync(app.Port, client, server, expected);

        using var response = await mesh.Http.SendAsync(MeshPair.Request(HttpMethod.Get, "/hello"), ct);

        var reason = response.Headers.TryGetValues(ProxyErrors.Header, out var values) ? string.Join(", ", values) : "";
        return (response.StatusCode, reason, app.RequestCount);
    }
}
