using Linnet.Proxy.Connections;
using Linnet.Proxy.Http;
using Linnet.Proxy.Http.Stages;
using Linnet.Proxy.Telemetry;
using Linnet.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Linnet.Proxy.Tests.Http.Stages;

public sealed class DestinationStageTests
{
    [Fact]
    public async Task InvokeAsync_KnownAuthority_NamesTheServiceAndCarriesItsCanonicalName()
    {
        using var harness = new RequestStageHarness([TestProxy.Service("backend", 80, 9001)]);
        var context = RequestStageHarness.Context("backend");
        RequestState? passed = null;

        await new DestinationStage(harness.Responses).InvokeAsync(harness.Request(context, ListenerRole.Outbound), request =>
        {
            passed = request;
            return Task.CompletedTask;
        });

        Assert.Equal("backend", passed?.Service?.Config.Name);
        Assert.Same(passed?.Service, passed?.Target);
        Assert.Equal(passed!.Service!.Authority, context.Request.Headers[DstCanonical.Header].ToString());
    }

    [Fact]
    public async Task InvokeAsync_UnknownAuthorityNoOriginalDestination_502WithTheReason()
    {
        using var harness = new RequestStageHarness([TestProxy.Service("backend", 80, 9001)]);
        var context = RequestStageHarness.Context("nobody.example");
        var forwarded = false;

        await new DestinationStage(harness.Responses).InvokeAsync(harness.Request(context, ListenerRole.Outbound), _ =>
        {
            forwarded = true;
            return Task.CompletedTask;
        });

        Assert.False(forwarded);
        Assert.Equal(StatusCodes.Status502BadGateway, context.Response.StatusCode);
        Assert.Equal("no service is known for authority 'nobody.example'", context.Response.Headers[ProxyErrors.Header].ToString());
        Assert.Equal(1, harness.Scrape().Sum("proxy_error_total", ("direction", "outbound"), ("reason", "unknown_authority")));
    }
}
