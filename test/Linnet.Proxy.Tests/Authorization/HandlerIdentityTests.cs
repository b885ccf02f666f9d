using System.Net;
using Linnet.Proxy.Authorization;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Http;
using Linnet.Proxy.Connections;
using Linnet.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Linnet.Proxy.Tests.Authorization;

/// <summary>Identity-based allow and deny through the proxy's real HTTP handler, forwarder and a real app. The
/// mTLS listener (another part) is what sets <see cref="ProxyConnectionFeature.ClientIdentity"/>; here the
/// connection feature is built with the identity it would carry, and the request enters the handler as
/// Kestrel would hand it over.</summary>
public sealed class HandlerIdentityTests
{
    private const string Web = "spiffe://cluster.local/ns/shop/sa/web";
    private const string Batch = "spiffe://cluster.local/ns/batch/sa/cron";
    private const string Stranger = "spiffe://cluster.local/ns/other/sa/x";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(Web, StatusCodes.Status200OK)]
    [InlineData(Batch, StatusCodes.Status200OK)]
    [InlineData(Stranger, StatusCodes.Status403Forbidden)]
    [InlineData(null, StatusCodes.Status403Forbidden)]
    public async Task InvokeAsync_ServerAllowingWebAndBatchNamespace_OnlyThoseIdentitiesReachApp(string? identity, int expected)
    {
        await using var app = await HttpTestApp.StartAsync(cancellationToken: Ct);
        using var provider = new PolicyConfigProvider(new InboundPolicyConfig(DefaultInboundPolicy.AllUnauthenticated,
        [
            new InboundServerConfig("backend-http", [app.Port], DefaultInboundPolicy.Deny,
            [
                new AuthorizationConfig("web-and-batch", [new IdentityMatchConfig(IdentityMatchType.Exact, Web), new IdentityMatchConfig(IdentityMatchType.Prefix, "spiffe://cluster.local/ns/batch/sa/")], null),
            ]),
        ]));
        await using var services = Build(app.Port, provider);
        var handler = services.GetRequiredService<HttpProxyHandler>();
        var context = Request(services, "/hello");

        await handler.InvokeAsync(context, new ProxyConnectionFeature(ListenerRole.Inbound, null, null, app.Port) { ClientIdentity = identity });

        Assert.Equal(expected, context.Response.StatusCode);
        Assert.Equal(expected == StatusCodes.Status200OK ? 1 : 0, app.RequestCount);
        if (expected == StatusCodes.Status403Forbidden)
        {
            var who = identity is null ? "a client without an identity (plaintext)" : $"identity '{identity}'";
            Assert.Equal($"unauthorized: {who} is not allowed by server 'backend-http'", context.Response.Headers[ProxyErrors.Header].ToString());
        }
    }

    [Fact]
    public async Task InvokeAsync_AllAuthenticatedDefaultWithIdentity_ServedAndCountedWithClientId()
    {
        await using var app = await HttpTestApp.StartAsync(cancellationToken: Ct);
        using var provider = new PolicyConfigProvider(InboundPolicyConfig.Uniform(DefaultInboundPolicy.AllAuthenticated));
        await using var services = Build(app.Port, provider);
        var handler = services.GetRequiredService<HttpProxyHandler>();
        var context = Request(services, "/hello");

        await handler.InvokeAsync(context, new ProxyConnectionFeature(ListenerRole.Inbound, null, null, app.Port) { ClientIdentity = Web });

        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        var text = new System.Text.StringBuilder();
        services.GetRequiredService<Linnet.Proxy.Telemetry.AuthorizationMetrics>().WriteTo(text);
        Assert.Contains($"authz_name=\"all-authenticated\",tls=\"true\",client_id=\"{Web}\"}} 1", text.ToString(), StringComparison.Ordinal);
    }

    private static ServiceProvider Build(int appPort, IProxyConfigProvider provider)
    {
        var bootstrap = new BootstrapConfig
        {
            Workload = new WorkloadInfo("shop", "backend", "backend-0"),
            InboundListen = new IPEndPoint(IPAddress.Loopback, 0),
            OutboundListen = new IPEndPoint(IPAddress.Loopback, 0),
            AppPort = appPort,
        };
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddLinnetProxy(bootstrap, provider, TimeProvider.System);
        return services.BuildServiceProvider();
    }

    private static DefaultHttpContext Request(IServiceProvider services, string path)
    {
        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Method = HttpMethods.Get;
        context.Request.Scheme = "http";
        context.Request.Protocol = "HTTP/1.1";
        context.Request.Host = new HostString("backend");
        context.Request.Path = path;
        context.Connection.RemoteIpAddress = IPAddress.Loopback;
        context.Response.Body = new MemoryStream();
        return context;
    }
}
