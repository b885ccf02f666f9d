using Linnet.Proxy.Configuration;
using Linnet.Proxy.Routing;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Proxy.Tests.Tls;
using Linnet.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Linnet.Proxy.Tests.Balancing;

public sealed class ConnectionSetupLatencyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Outbound_FirstRequestOpensASlowMeshConnection_LatencySampleLeavesTheSetupOut()
    {
        // Linkerd's balancer dispatches only to endpoints whose connection is ready, so the setup of a
        // connection is never an endpoint's response time. Counting it made the endpoint that took the first
        // request look slow for a minute: in the demo one backend replica got 14 requests and the other 511.
        var ca = TestMeshCa.Create();
        await using var app = await HttpTestApp.StartAsync("web", cancellationToken: Ct);
        await using var server = await TestProxy.StartAsync(app.Port, identity: ca.NewIdentity(MeshPair.ServerName));
        await using var relay = SlowHandshakeRelay.Start(server.Inbound.Port, TimeSpan.FromSeconds(2));
        var endpoint = new EndpointConfig("127.0.0.1", relay.Port) { Identity = MeshPair.ServerName };
        await using var client = await TestProxy.StartAsync(1, [new ServiceConfig(MeshPair.ServiceHost, [], 80, ServiceProtocol.Detect, null, [endpoint])],
            configure: b => b with { Workload = new WorkloadInfo("test", "client", "client-0") }, identity: ca.NewIdentity(MeshPair.ClientName));
        var state = client.Host.Services.GetRequiredService<ServiceTable>().Find(MeshPair.ServiceHost, 80)!.Endpoints.Single();
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = client.OutboundUri };

        using var response = await http.SendAsync(MeshPair.Request(HttpMethod.Get, "/hello"), Ct);

        MeshPair.AssertOk(response);
        // The proxy records the sample when its forward completes, which may be just after the client has
        // read the whole response.
        await ProxyProcess.WaitUntilAsync(() => state.HasSamples, TimeSpan.FromSeconds(10), "the endpoint's first latency sample", Ct);
        Assert.True(state.RttEstimateMs < relay.Delay.TotalMilliseconds, $"estimate {state.RttEstimateMs:0} ms includes the {relay.Delay.TotalMilliseconds:0} ms handshake");
    }
}
