using System.Net;
using System.Net.Sockets;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.ControlPlane;
using Linnet.Proxy.Http;
using Linnet.Proxy.Routing;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Linnet.Proxy.Tests.ControlPlane.DestinationMessages;

namespace Linnet.Proxy.Tests.ControlPlane;

/// <summary>A real proxy fed by a real gRPC Destination server: snapshot, incremental updates, the control
/// plane going away and coming back, readiness.</summary>
public sealed class ControlPlaneProxyTests
{
    private const string BackendKey = "backend.shop:8080";

    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = Timeout.InfiniteTimeSpan });

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Subscribe_Snapshot_RoutesRequestsByEveryNameAndIdentifiesWorkload()
    {
        await using var a = await HttpTestApp.StartAsync("a", cancellationToken: Ct);
        await using var server = await FakeDestinationServer.StartAsync();
        server.Service.Replace("v1", Service("backend", "shop", 8080, a.Port));
        await using var proxy = await StartProxyAsync(server);

        await WaitReadyAsync(proxy);

        Assert.Equal("a", await GetAppAsync(proxy, "backend:8080"));
        Assert.Equal("a", await GetAppAsync(proxy, "backend.shop:8080"));
        Assert.Equal("a", await GetAppAsync(proxy, "backend.shop.svc.cluster.local:8080"));
        Assert.Equal("v1\n", await Http.GetStringAsync(new Uri(proxy.AdminUri, "/config-version"), Ct));
        var request = server.Service.LastRequest!;
        Assert.Equal(("test", "web", "web-0"), (request.Namespace, request.Workload, request.Instance));
        var scrape = await proxy.ScrapeWhenAsync(s => s.Sum("response_total", ("direction", "outbound")) == 3);
        Assert.Equal(3, scrape.Sum("response_total", ("authority", "backend.shop.svc.cluster.local:8080"), ("status_code", "200")));
    }

    [Fact]
    public async Task Update_IncrementalEndpointAddRemoveAndServiceRemoval_TakeEffect()
    {
        await using var a = await HttpTestApp.StartAsync("a", cancellationToken: Ct);
        await using var b = await HttpTestApp.StartAsync("b", cancellationToken: Ct);
        await using var server = await FakeDestinationServer.StartAsync();
        server.Service.Replace("v1", Service("backend", "shop", 8080, a.Port));
        await using var proxy = await StartProxyAsync(server);
        await WaitReadyAsync(proxy);
        var table = proxy.Host.Services.GetRequiredService<ServiceTable>();
        var stateOfA = table.Find("backend", 8080)!.Endpoints.Single();

        server.Service.Upsert("v2", Service("backend", "shop", 8080, a.Port, b.Port));
        await WaitVersionAsync(proxy, "v2");
        var endpointsAfterAdd = table.Find("backend", 8080)!.Endpoints;
        var afterAdd = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            afterAdd.Add(await GetAppAsync(proxy, "backend:8080"));
        }

        server.Service.Upsert("v3", Service("backend", "shop", 8080, b.Port));
        await WaitVersionAsync(proxy, "v3");
        var afterRemove = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            afterRemove.Add(await GetAppAsync(proxy, "backend:8080"));
        }

        server.Service.Remove("v4", BackendKey);
        await WaitVersionAsync(proxy, "v4");
        using var gone = await SendAsync(proxy, "backend:8080");

        // Which endpoint serves sequential requests is the latency-aware balancer's choice, not a rotation.
        Assert.Equal([a.Port, b.Port], endpointsAfterAdd.Select(e => e.Config.Port));
        Assert.Same(stateOfA, endpointsAfterAdd[0]);
        Assert.All(afterAdd, app => Assert.Contains(app, new[] { "a", "b" }));
        Assert.All(afterRemove, app => Assert.Equal("b", app));
        Assert.Equal(HttpStatusCode.BadGateway, gone.StatusCode);
        Assert.True(gone.Headers.Contains(ProxyErrors.Header));
    }

    [Fact]
    public async Task Stream_ControlPlaneStopsAndReturns_ServesLastConfigThenResyncs()
    {
        await using var a = await HttpTestApp.StartAsync("a", cancellationToken: Ct);
        await using var b = await HttpTestApp.StartAsync("b", cancellationToken: Ct);
        await using var server = await FakeDestinationServer.StartAsync();
        server.Service.Replace("v1", Service("backend", "shop", 8080, a.Port));
        await using var proxy = await StartProxyAsync(server);
        await WaitReadyAsync(proxy);

        await server.StopAsync();
        var provider = (ControlPlaneConfigProvider)proxy.Host.Services.GetRequiredService<IProxyConfigProvider>();
        await Eventually.WaitAsync(() => provider.Subscriptions >= 2, "a reconnect attempt while the control plane is away");
        var whileAway = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            whileAway.Add(await GetAppAsync(proxy, "backend:8080"));
        }

        using var readyWhileAway = await Http.GetAsync(new Uri(proxy.AdminUri, "/ready"), Ct);

        // Changed while the proxy could not hear: only a resync on reconnect can bring it.
        server.Service.Replace("v2", Service("backend", "shop", 8080, b.Port), Service("other", "shop", 9090, a.Port));
        await server.RestartAsync();
        await WaitVersionAsync(proxy, "v2");

        Assert.All(whileAway, app => Assert.Equal("a", app));
        Assert.Equal(HttpStatusCode.OK, readyWhileAway.StatusCode);
        Assert.Equal("b", await GetAppAsync(proxy, "backend:8080"));
        Assert.Equal("a", await GetAppAsync(proxy, "other:9090"));
        Assert.True(server.Service.SubscribeCount >= 2, $"subscribed {server.Service.SubscribeCount} times");
        Assert.Equal("v1", server.Service.LastRequest!.Version);
    }

    [Fact]
    public async Task Ready_BeforeFirstSnapshot_503ThenAfterIt200()
    {
        await using var a = await HttpTestApp.StartAsync("a", cancellationToken: Ct);
        await using var server = await FakeDestinationServer.StartAsync();
        await using var proxy = await StartProxyAsync(server);
        await Eventually.WaitAsync(() => server.Service.OpenStreams == 1, "the proxy to subscribe");

        using var before = await Http.GetAsync(new Uri(proxy.AdminUri, "/ready"), Ct);
        server.Service.Replace("v1", Service("backend", "shop", 8080, a.Port));
        await WaitReadyAsync(proxy);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, before.StatusCode);
        Assert.Equal("a", await GetAppAsync(proxy, "backend:8080"));
    }

    [Fact]
    public async Task LocalPort_FromControlPlane_ListensOnTheOutboundAddressOnly()
    {
        var instanceAddress = IPAddress.Parse("127.0.0.9");
        await using var a = await HttpTestApp.StartAsync("a", cancellationToken: Ct);
        await using var server = await FakeDestinationServer.StartAsync();
        var localPort = PortAllocator.GetFreeTcpPort();
        var service = Service("backend", "shop", 8080, a.Port);
        service.LocalPort = localPort;
        server.Service.Replace("v1", service);
        await using var proxy = await TestProxy.StartAsync(1, configure: c => server.Configure(c) with
        {
            OutboundListen = new IPEndPoint(instanceAddress, 0),
        });
        await WaitReadyAsync(proxy);

        var url = new Uri($"http://{instanceAddress}:{localPort}/hello");
        string? body = null;
        await Eventually.WaitAsync(async () => (body = await TryGetStringAsync(url)) is not null, "the service port listener");
        using var loopback = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var refused = await Assert.ThrowsAsync<SocketException>(() => loopback.ConnectAsync(new IPEndPoint(IPAddress.Loopback, localPort), Ct).AsTask());

        Assert.Equal("hello from a", body);
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    private static Task<TestProxy> StartProxyAsync(FakeDestinationServer server) =>
        TestProxy.StartAsync(1, configure: server.Configure);

    private static Task WaitReadyAsync(TestProxy proxy) =>
        Eventually.WaitAsync(async () =>
        {
            using var response = await Http.GetAsync(new Uri(proxy.AdminUri, "/ready"), Ct);
            return response.StatusCode == HttpStatusCode.OK;
        }, "/ready to answer 200");

    private static Task WaitVersionAsync(TestProxy proxy, string version) =>
        Eventually.WaitAsync(
            async () => await Http.GetStringAsync(new Uri(proxy.AdminUri, "/config-version"), Ct) == version + "\n",
            $"config version {version}");

    private static async Task<HttpResponseMessage> SendAsync(TestProxy proxy, string authority)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(proxy.OutboundUri, "/hello"));
        request.Headers.Host = authority;
        return await Http.SendAsync(request, Ct);
    }

    private static async Task<string> GetAppAsync(TestProxy proxy, string authority)
    {
        using var response = await SendAsync(proxy, authority);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.GetValues("x-app-name").Single();
    }

    private static async Task<string?> TryGetStringAsync(Uri url)
    {
        try
        {
            return await Http.GetStringAsync(url, Ct);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}
