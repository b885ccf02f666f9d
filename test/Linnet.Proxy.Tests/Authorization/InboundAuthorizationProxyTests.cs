using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Linnet.Proxy.Authorization;
using Linnet.Proxy.Http;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Proxy.Tests.Tcp;
using Linnet.Testing;
using Linnet.Proxy.Configuration;

namespace Linnet.Proxy.Tests.Authorization;

/// <summary>A real proxy enforcing its inbound policy on plaintext clients (no identity): HTTP/1.1, gRPC over
/// h2c with a real gRPC client, and opaque TCP.</summary>
public sealed class InboundAuthorizationProxyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Http_AllAuthenticatedDefaultPlaintextClient_403WithReasonAndAppNeverCalled()
    {
        await using var app = await HttpTestApp.StartAsync(cancellationToken: Ct);
        using var provider = new PolicyConfigProvider(InboundPolicyConfig.Uniform(DefaultInboundPolicy.AllAuthenticated));
        await using var proxy = await TestProxy.StartAsync(app.Port, provider: provider);
        using var client = new HttpClient { BaseAddress = proxy.InboundUri };

        using var first = await client.GetAsync(new Uri("/hello", UriKind.Relative), Ct);
        using var second = await client.GetAsync(new Uri("/hello", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, first.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, second.StatusCode);
        Assert.Equal(
            "unauthorized: a client without an identity (plaintext) is not allowed by the default policy 'all-authenticated'",
            Assert.Single(first.Headers.GetValues(ProxyErrors.Header)));
        Assert.Equal(0, app.RequestCount);
        var scrape = await proxy.ScrapeWhenAsync(s => s.Sum("inbound_http_authz_deny_total") >= 2);
        Assert.Equal(2, scrape.Sum("inbound_http_authz_deny_total", ("srv_kind", "default"), ("srv_name", "all-authenticated"), ("tls", "no_identity"), ("target_port", app.Port.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        Assert.Equal(0, scrape.Sum("inbound_http_authz_allow_total"));
    }

    [Fact]
    public async Task Http_AllUnauthenticatedDefault_ServedAndCountedAsAllowed()
    {
        await using var app = await HttpTestApp.StartAsync(cancellationToken: Ct);
        using var provider = new PolicyConfigProvider(InboundPolicyConfig.AllowAll);
        await using var proxy = await TestProxy.StartAsync(app.Port, provider: provider);
        using var client = new HttpClient { BaseAddress = proxy.InboundUri };

        using var response = await client.GetAsync(new Uri("/hello", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, app.RequestCount);
        var scrape = await proxy.ScrapeWhenAsync(s => s.Sum("inbound_http_authz_allow_total") >= 1);
        Assert.Equal(1, scrape.Sum("inbound_http_authz_allow_total", ("authz_kind", "default"), ("authz_name", "all-unauthenticated")));
    }

    [Fact]
    public async Task Http_DenyDefault_403ThenPolicyChangedToAllow_ServedOnTheSameConnection()
    {
        await using var app = await HttpTestApp.StartAsync(cancellationToken: Ct);
        using var provider = new PolicyConfigProvider(InboundPolicyConfig.Uniform(DefaultInboundPolicy.Deny));
        await using var proxy = await TestProxy.StartAsync(app.Port, provider: provider);
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = proxy.InboundUri };

        using var denied = await client.GetAsync(new Uri("/hello", UriKind.Relative), Ct);
        provider.Update(InboundPolicyConfig.AllowAll);
        using var served = await client.GetAsync(new Uri("/hello", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Contains("the default policy 'deny'", Assert.Single(denied.Headers.GetValues(ProxyErrors.Header)), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(1, app.RequestCount);
    }

    [Fact]
    public async Task Http_AuditDefault_ServedAndCountedAsAudit()
    {
        await using var app = await HttpTestApp.StartAsync(cancellationToken: Ct);
        using var provider = new PolicyConfigProvider(InboundPolicyConfig.Uniform(DefaultInboundPolicy.Audit));
        await using var proxy = await TestProxy.StartAsync(app.Port, provider: provider);
        using var client = new HttpClient { BaseAddress = proxy.InboundUri };

        using var response = await client.GetAsync(new Uri("/hello", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, app.RequestCount);
        var scrape = await proxy.ScrapeWhenAsync(s => s.Sum("inbound_http_authz_allow_total") >= 1);
        Assert.Equal(1, scrape.Sum("inbound_http_authz_allow_total", ("srv_name", "audit"), ("authz_kind", "default"), ("authz_name", "audit")));
        Assert.Equal(0, scrape.Sum("inbound_http_authz_deny_total"));
    }

    [Fact]
    public async Task Http_ServerWithIdentityOnlyAuthorization_PlaintextDeniedNamingServerOtherPortUsesDefault()
    {
        await using var app = await HttpTestApp.StartAsync(cancellationToken: Ct);
        using var provider = new PolicyConfigProvider(new InboundPolicyConfig(DefaultInboundPolicy.AllUnauthenticated,
        [
            new InboundServerConfig("backend-http", [app.Port], DefaultInboundPolicy.Deny,
                [new AuthorizationConfig("web-only", [new IdentityMatchConfig(IdentityMatchType.Exact, "spiffe://cluster.local/ns/shop/sa/web")], null)]),
        ]));
        await using var proxy = await TestProxy.StartAsync(app.Port, provider: provider);
        using var client = new HttpClient { BaseAddress = proxy.InboundUri };

        using var denied = await client.GetAsync(new Uri("/hello", UriKind.Relative), Ct);
        provider.Update(new InboundPolicyConfig(DefaultInboundPolicy.AllUnauthenticated, [new InboundServerConfig("backend-http", [app.Port + 1], DefaultInboundPolicy.Deny, [])]));
        using var served = await client.GetAsync(new Uri("/hello", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Equal("unauthorized: a client without an identity (plaintext) is not allowed by server 'backend-http'", Assert.Single(denied.Headers.GetValues(ProxyErrors.Header)));
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        var scrape = await proxy.ScrapeWhenAsync(s => s.Sum("inbound_http_authz_deny_total") >= 1);
        Assert.Equal(1, scrape.Sum("inbound_http_authz_deny_total", ("srv_kind", "server"), ("srv_name", "backend-http"), ("srv_group", "policy.linkerd.io")));
    }

    [Fact]
    public async Task Grpc_AllAuthenticatedDefaultPlaintextClient_PermissionDeniedWithReason()
    {
        await using var server = await GrpcTestService.StartAsync("echo-1", Ct);
        using var provider = new PolicyConfigProvider(InboundPolicyConfig.Uniform(DefaultInboundPolicy.AllAuthenticated));
        await using var proxy = await TestProxy.StartAsync(server.Port, provider: provider);
        using var channel = GrpcChannel.ForAddress(proxy.InboundUri, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { UseProxy = false }, DisposeHttpClient = true });
        var client = new Echo.EchoClient(channel);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await client.SayAsync(new EchoRequest { Message = "hello" }, cancellationToken: Ct));
        provider.Update(InboundPolicyConfig.AllowAll);
        var reply = await client.SayAsync(new EchoRequest { Message = "again" }, cancellationToken: Ct);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains("is not allowed by the default policy 'all-authenticated'", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("again", reply.Message);
        Assert.Equal(1, server.CallCount);
        var scrape = await proxy.ScrapeWhenAsync(s => s.Sum("response_total", ("grpc_status", "7")) >= 1);
        Assert.Equal(1, scrape.Sum("inbound_http_authz_deny_total"));
    }

    [Fact]
    public async Task Tcp_DenyDefaultOnOpaquePort_ClosedAndAppNeverSeesConnection()
    {
        await using var echo = await TcpEchoServer.StartAsync(Ct);
        using var provider = new PolicyConfigProvider(InboundPolicyConfig.Uniform(DefaultInboundPolicy.AllAuthenticated));
        await using var proxy = await TestProxy.StartAsync(echo.Port, provider: provider, configure: b => b with { InboundOpaquePorts = new HashSet<int> { echo.Port } });

        var closed = await RawTcp.ConnectAndAwaitCloseAsync(proxy.Inbound, Ct);

        Assert.True(closed);
        var scrape = await proxy.ScrapeWhenAsync(s => s.Sum("inbound_tcp_authz_deny_total") >= 1);
        Assert.Equal(1, scrape.Sum("inbound_tcp_authz_deny_total", ("srv_name", "all-authenticated")));
        Assert.Equal(0, echo.AcceptedConnections);
    }

    [Fact]
    public async Task Tcp_AuditDefaultOnOpaquePort_EchoedAndCountedAsAllowed()
    {
        await using var echo = await TcpEchoServer.StartAsync(Ct);
        using var provider = new PolicyConfigProvider(InboundPolicyConfig.Uniform(DefaultInboundPolicy.Audit));
        await using var proxy = await TestProxy.StartAsync(echo.Port, provider: provider, configure: b => b with { InboundOpaquePorts = new HashSet<int> { echo.Port } });

        using var client = await RawTcp.ConnectAsync(proxy.Inbound, Ct);
        await RawTcp.SendAsync(client, "ping", Ct);
        var echoed = await RawTcp.ReadTextAsync(client, "ping", Ct);

        Assert.Equal("ping", echoed);
        var scrape = await proxy.ScrapeWhenAsync(s => s.Sum("inbound_tcp_authz_allow_total") >= 1);
        Assert.Equal(1, scrape.Sum("inbound_tcp_authz_allow_total", ("authz_name", "audit")));
        Assert.Equal(1, echo.AcceptedConnections);
    }
}
