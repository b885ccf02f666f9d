using Linnet.Proxy.Routing;
using Linnet.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Linnet.Proxy.Tests.Balancing;

public sealed class PendingUntilResponseHeadTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Outbound_ResponseBodyStillStreaming_EndpointNoLongerPending()
    {
        await using var backend = await HeldBodyBackend.StartAsync(Ct);
        await using var proxy = await TestProxy.StartAsync(1, [TestProxy.Service("backend", 80, backend.Port)]);
        var endpoint = proxy.Host.Services.GetRequiredService<ServiceTable>().Find("backend", 80)!.Endpoints.Single();
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(proxy.OutboundUri, "/held"));
        request.Headers.Host = "backend";

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);

        // Linkerd's balancer (tower's CompleteOnResponse) counts a request as pending until its response head;
        // the rest of the body is held back by the backend and has not been sent yet.
        Assert.Equal(0, endpoint.Pending);
        backend.Release();
        Assert.Equal("head;tail", await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(0, endpoint.Pending);
    }
}
