using System.Globalization;
using System.Net;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Testing;
using static Linnet.Proxy.Tests.ControlPlane.DestinationMessages;

namespace Linnet.Proxy.Tests.ControlPlane;

/// <summary>The shipped executable with <c>controlPlane</c> in its config file: it subscribes, is not ready
/// until the first snapshot, then routes by it.</summary>
public sealed class ControlPlaneExecutableTests
{
    [Fact]
    public async Task Main_ControlPlaneConfig_NotReadyUntilTheSnapshotThenRoutesByIt()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var a = await HttpTestApp.StartAsync("a", cancellationToken: ct);
        await using var server = await FakeDestinationServer.StartAsync();
        var admin = new IPEndPoint(IPAddress.Loopback, PortAllocator.GetFreeTcpPort());
        var identity = server.Ca.ProxyIdentity("shop", "web");
        var anchors = server.Ca.AnchorsFile();
        var yaml = string.Create(CultureInfo.InvariantCulture, $$"""
            workload: {namespace: shop, name: web, pod: web-7}
            inbound: {listen: "127.0.0.1:0", appPort: 1}
            outbound: {listen: "127.0.0.1:0"}
            admin: {listen: "{{admin}}"}
            transparent: false
            controlPlane: {address: "{{server.Address}}"}
            identity: {name: "{{identity.Name}}", trustAnchorsFile: "{{anchors}}", certificateFile: "{{identity.CertificatePemPath}}", keyFile: "{{identity.KeyPemPath}}"}
            """);
        await using var proxy = await ProxyProcess.StartAsync(yaml, admin, cancellationToken: ct);
        var outbound = await proxy.ListenerEndPointAsync("Outbound", ct);
        await ProxyProcess.WaitUntilAsync(() => server.Service.OpenStreams == 1, ProxyProcess.StartTimeout, "the proxy to subscribe", ct);
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });

        using var before = await client.GetAsync(new Uri(proxy.AdminUri, "/ready"), ct);
        server.Service.Replace("v1", Service("backend", "shop", 8080, a.Port));
        await proxy.WaitUntilReadyAsync(ct);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://{outbound}/hello"));
        request.Headers.Host = "backend:8080";
        using var response = await client.SendAsync(request, ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, before.StatusCode);
        Assert.Equal("hello from a", await response.Content.ReadAsStringAsync(ct));
        Assert.Equal(("shop", "web", "web-7"), (server.Service.LastRequest!.Namespace, server.Service.LastRequest.Workload, server.Service.LastRequest.Instance));
    }
}
