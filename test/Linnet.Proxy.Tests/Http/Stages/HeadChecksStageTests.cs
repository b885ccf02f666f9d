using Linnet.Proxy.Connections;
using Linnet.Proxy.Http;
using Linnet.Proxy.Http.Stages;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Linnet.Proxy.Tests.Http.Stages;

public sealed class HeadChecksStageTests
{
    [Fact]
    public async Task InvokeAsync_BothContentLengthAndTransferEncoding_400NeverForwarded()
    {
        using var harness = new RequestStageHarness();
        var context = RequestStageHarness.Context("backend");
        context.Features.Set(RequestStageHarness.Capture("POST / HTTP/1.1\r\nHost: backend\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"));
        var forwarded = false;

        await new HeadChecksStage(harness.Responses).InvokeAsync(harness.Request(context, ListenerRole.Outbound), _ =>
        {
            forwarded = true;
            return Task.CompletedTask;
        });

        Assert.False(forwarded);
        Assert.Equal(StatusCodes.Status400BadRequest, context.Response.StatusCode);
        Assert.Equal("close", context.Response.Headers.Connection.ToString());
        Assert.Contains("Content-Length and Transfer-Encoding", context.Response.Headers[ProxyErrors.Header].ToString(), StringComparison.Ordinal);
        Assert.Equal(1, harness.Scrape().Sum("proxy_error_total", ("reason", "bad_request")));
    }

    [Fact]
    public async Task InvokeAsync_ControlCharacterInTarget_400()
    {
        using var harness = new RequestStageHarness();
        var context = RequestStageHarness.Context("backend");
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = "/a\u0001b";
        context.Features.Set(RequestStageHarness.Capture("GET /a\u0001b HTTP/1.1\r\nHost: backend\r\n\r\n"));
        var forwarded = false;

        await new HeadChecksStage(harness.Responses).InvokeAsync(harness.Request(context, ListenerRole.Outbound), _ =>
        {
            forwarded = true;
            return Task.CompletedTask;
        });

        Assert.False(forwarded);
        Assert.Equal(StatusCodes.Status400BadRequest, context.Response.StatusCode);
    }

    [Fact]
    public async Task InvokeAsync_ConnectionNominatesAHeader_PassedOnAsHopByHop()
    {
        using var harness = new RequestStageHarness();
        var context = RequestStageHarness.Context("backend");
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = "/";
        context.Features.Set(RequestStageHarness.Capture("GET / HTTP/1.1\r\nHost: backend\r\nConnection: x-secret\r\nx-secret: 1\r\n\r\n"));
        IReadOnlyList<string>? hopByHop = null;

        await new HeadChecksStage(harness.Responses).InvokeAsync(harness.Request(context, ListenerRole.Outbound), request =>
        {
            hopByHop = request.HopByHop;
            return Task.CompletedTask;
        });

        Assert.NotNull(hopByHop);
        Assert.Contains("x-secret", hopByHop, StringComparer.OrdinalIgnoreCase);
    }
}
