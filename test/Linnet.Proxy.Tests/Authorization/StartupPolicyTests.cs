using System.Net;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Http;
using Linnet.Proxy.Tests.ControlPlane;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Proxy.Tests.Tcp;
using Linnet.Testing;

namespace Linnet.Proxy.Tests.Authorization;

/// <summary>The default inbound policy a proxy is started with (<c>inbound.defaultPolicy</c>, Linkerd's
/// <c>LINKERD2_PROXY_INBOUND_DEFAULT_POLICY</c>) holds until the control plane's first policy answer: a proxy whose
/// control plane cannot be reached enforces it on plaintext clients, never allow-all in its place.</summary>
public sealed class StartupPolicyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A proxy whose control plane is named but refuses connections (a fake one, started for its CA and
    /// port, then stopped), with a fixed certificate so that nothing else stands between start and serving.</summary>
    private static async Task<TestProxy> StartWithoutControlPlaneAsync(int appPort, DefaultInboundPolicy? policy, Func<BootstrapConfig, BootstrapConfig>? configure = null)
    {
        await using var controlPlane = await FakeDestinationServer.StartAsync();
        await controlPlane.StopAsync();
        return await TestProxy.StartAsync(appPort, configure: b =>
        {
            var config = controlPlane.Configure(configure?.Invoke(b) ?? b);
            return policy is { } p ? config with { DefaultInboundPolicy = p } : config;
        });
    }

    [Theory]
    [InlineData(nameof(DefaultInboundPolicy.Deny), "deny")]
    [InlineData(nameof(DefaultInboundPolicy.AllAuthenticated), "all-authenticated")]
    public async Task Http_RestrictiveStartupPolicyAndControlPlaneUnreachable_403AndAppNeverCalled(string policyName, string name)
    {
        var policy = Enum.Parse<DefaultInboundPolicy>(policyName);
        await using var app = await HttpTestApp.StartAsync(cancellationToken: Ct);
        await using var proxy = await StartWithoutControlPlaneAsync(app.Port, policy);
        using var client = new HttpClient { BaseAddress = proxy.InboundUri };

        using var response = await client.GetAsync(new Uri("/hello", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains($"the default policy '{name}'", Assert.Single(response.Headers.GetValues(ProxyErrors.Header)), StringComparison.Ordinal);
        Assert.Equal(0, app.RequestCount);
    }

    [Fact]
    public async Task Http_NoStartupPolicyAndControlPlaneUnreachable_ServedAsLinkerdsDefaultAllUnauthenticated()
    {
        await using var app = await HttpTestApp.StartAsync(cancellationToken: Ct);
        await using var proxy = await StartWithoutControlPlaneAsync(app.Port, policy: null);
        using var client = new HttpClient { BaseAddress = proxy.InboundUri };

        using var response = await client.GetAsync(new Uri("/hello", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, app.RequestCount);
    }

    [Fact]
    public async Task Tcp_DenyStartupPolicyAndControlPlaneUnreachable_ClosedAndAppNeverSeesConnection()
    {
        await using var echo = await TcpEchoServer.StartAsync(Ct);
        await using var proxy = await StartWithoutControlPlaneAsync(echo.Port, DefaultInboundPolicy.Deny, b => b with { InboundOpaquePorts = new HashSet<int> { echo.Port } });

        // With an identity the proxy first reads whether the client speaks TLS: plaintext bytes, then the close.
        using var client = await RawTcp.ConnectAsync(proxy.Inbound, Ct);
        await RawTcp.SendAsync(client, "ping", Ct);
        byte[] echoed;
        try
        {
            echoed = await RawTcp.ReadToEndAsync(client, Ct);
        }
        catch (System.Net.Sockets.SocketException ex) when (ex.SocketErrorCode is System.Net.Sockets.SocketError.ConnectionReset)
        {
            echoed = [];
        }

        Assert.Empty(echoed);
        var scrape = await proxy.ScrapeWhenAsync(s => s.Sum("inbound_tcp_authz_deny_total") >= 1);
        Assert.Equal(1, scrape.Sum("inbound_tcp_authz_deny_total", ("srv_name", "deny")));
        Assert.Equal(0, echo.AcceptedConnections);
    }

    [Fact]
    public async Task Http_StaticConfigWithDenyDefaultPolicy_403()
    {
        // Without a control plane the file's default policy holds for the life of the process.
        await using var app = await HttpTestApp.StartAsync(cancellationToken: Ct);
        var (bootstrap, _) = ConfigFileLoader.Parse("inbound: {defaultPolicy: deny}", "static.yaml");
        await using var proxy = await TestProxy.StartAsync(app.Port, configure: b => b with { DefaultInboundPolicy = bootstrap.DefaultInboundPolicy });
        using var client = new HttpClient { BaseAddress = proxy.InboundUri };

        using var response = await client.GetAsync(new Uri("/hello", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(0, app.RequestCount);
    }
}
