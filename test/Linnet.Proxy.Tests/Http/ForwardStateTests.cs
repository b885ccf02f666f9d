using Linnet.Proxy.Http;
using Microsoft.AspNetCore.Http;

namespace Linnet.Proxy.Tests.Http;

public sealed class ForwardStateTests
{
    [Fact]
    public async Task TransformRequest_NominatedHeaders_AreRemovedAndHostKept()
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Protocol = "HTTP/1.1";
        context.Request.Host = new HostString("app:8080");
        context.Request.Headers.Connection = "keep-alive, X-Private";
        context.Request.Headers["X-Private"] = "secret";
        context.Request.Headers["X-Kept"] = "1";
        using var proxyRequest = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:1/");

        await new ForwardState(0) { HopByHop = ["X-Private"] }.TransformRequestAsync(context, proxyRequest, "http://127.0.0.1:1", TestContext.Current.CancellationToken);

        Assert.False(proxyRequest.Headers.Contains("X-Private"), proxyRequest.Headers.ToString());
        Assert.True(proxyRequest.Headers.Contains("X-Kept"));
        Assert.Equal("app:8080", proxyRequest.Headers.Host);
    }
}
