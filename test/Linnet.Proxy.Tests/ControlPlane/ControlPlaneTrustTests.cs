using System.Net;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Identity;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static Linnet.Proxy.Tests.ControlPlane.DestinationMessages;
using Linnet.Proxy.ControlPlane;

namespace Linnet.Proxy.Tests.ControlPlane;

/// <summary>A proxy facing a control plane that cannot prove the control plane's identity under the proxy's
/// trust anchors — a certificate of another CA, or of the right CA for another identity — sends it nothing (no
/// token, no subscription), says so in its log and metrics, and keeps serving its last config. The same servers
/// with the right certificate do receive the token and the subscription, so each refusal is the check's doing.</summary>
public sealed class ControlPlaneTrustTests
{
    private const string Token = "token-that-must-not-leak";

    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = Timeout.InfiniteTimeSpan });

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> Spoofs => new() { "another CA", "another identity" };

    [Theory]
    [MemberData(nameof(Spoofs))]
    public async Task Certify_SpoofedControlPlane_TokenNeverSentAndRefusalCounted(string spoof)
    {
        using var trusted = new FakeMeshCa();
        using var other = new FakeMeshCa();
        await using var spoofed = spoof == "another CA"
            ? await FakeDestinationServer.StartAsync(other)
            : await FakeDestinationServer.StartAsync(trusted, "spiffe://cluster.local/ns/shop/sa/web");
        await using var proxy = await StartWithTokenAsync(trusted, spoofed);

        await proxy.ScrapeWhenAsync(s => s.Sum("control_plane_tls_refused_total", ("api", "identity")) >= 2);

        Assert.Empty(spoofed.Identity.Tokens);
        Assert.Null(proxy.Host.Services.GetRequiredService<ProxyIdentity>().Current);
        var failure = Renewal(proxy).LastFailure;
        Assert.False(string.IsNullOrEmpty(failure));
    }

    [Fact]
    public async Task Certify_GenuineControlPlane_ReceivesTheToken()
    {
        using var trusted = new FakeMeshCa();
        await using var genuine = await FakeDestinationServer.StartAsync(trusted);
        await using var proxy = await StartWithTokenAsync(trusted, genuine);

        await Eventually.WaitAsync(() => genuine.Identity.Tokens.Contains(Token), "the token to reach the genuine control plane");

        Assert.Equal(0, (await proxy.ScrapeAsync()).Sum("control_plane_tls_refused_total"));
    }

    [Theory]
    [MemberData(nameof(Spoofs))]
    public async Task Subscribe_ControlPlaneReplacedBySpoof_RefusedKeepsLastConfigAndServes(string spoof)
    {
        await using var app = await HttpTestApp.StartAsync("a", cancellationToken: Ct);
        await using var server = await FakeDestinationServer.StartAsync();
        server.Service.Replace("v1", Service("backend", "shop", 8080, app.Port));
        await using var proxy = await TestProxy.StartAsync(1, configure: server.Configure);
        await WaitVersionAsync(proxy, "v1");
        Assert.Equal("a", await GetAppAsync(proxy));
        using var other = new FakeMeshCa();

        // The control plane goes; something else answers on its address with an allow-everything config.
        // Counted once the genuine server has stopped: the proxy may resubscribe to it while it shuts down.
        await server.StopAsync();
        var subscriptions = server.Service.SubscribeCount;
        server.Service.Replace("v2-spoofed", Service("backend", "shop", 8080, 1));
        await (spoof == "another CA" ? server.RestartAsync(other) : server.RestartAsync(identity: "spiffe://cluster.local/ns/test/sa/web"));
        await proxy.ScrapeWhenAsync(s => s.Sum("control_plane_tls_refused_total", ("api", "destination")) >= 1);

        Assert.Equal(subscriptions, server.Service.SubscribeCount);
        Assert.Equal("v1\n", await Http.GetStringAsync(new Uri(proxy.AdminUri, "/config-version"), Ct));
        Assert.Equal("a", await GetAppAsync(proxy));
    }

    [Fact]
    public async Task Subscribe_GenuineControlPlane_ProxyPresentsItsOwnCertificate()
    {
        await using var server = await FakeDestinationServer.StartAsync();
        server.Service.Replace("v1");
        await using var proxy = await TestProxy.StartAsync(1, configure: server.Configure);

        await WaitVersionAsync(proxy, "v1");

        Assert.Contains("spiffe://cluster.local/ns/test/sa/web", server.ClientIdentities);
    }

    private static async Task<TestProxy> StartWithTokenAsync(FakeMeshCa trusted, FakeDestinationServer ca)
    {
        var tokenFile = Path.Combine(trusted.Directory, "proxy.token");
        await File.WriteAllTextAsync(tokenFile, Token, Ct);
        return await TestProxy.StartAsync(1, configure: b => b with
        {
            Workload = new WorkloadInfo("shop", "web", "web-0"),
            Identity = new IdentityBootstrapConfig
            {
                Name = "spiffe://cluster.local/ns/shop/sa/web",
                TrustAnchorsPem = trusted.Mesh.TrustAnchorsPem,
                CaAddress = ca.Address,
                TokenPath = tokenFile,
            },
        });
    }

    private static CertificateRenewalService Renewal(TestProxy proxy) =>
        proxy.Host.Services.GetServices<IHostedService>().OfType<CertificateRenewalService>().Single();

    private static Task WaitVersionAsync(TestProxy proxy, string version) =>
        Eventually.WaitAsync(async () => await Http.GetStringAsync(new Uri(proxy.AdminUri, "/config-version"), Ct) == version + "\n", $"config {version}");

    private static async Task<string> GetAppAsync(TestProxy proxy)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(proxy.OutboundUri, "/hello"));
        request.Headers.Host = "backend.shop:8080";
        using var response = await Http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.GetValues("x-app-name").Single();
    }
}
