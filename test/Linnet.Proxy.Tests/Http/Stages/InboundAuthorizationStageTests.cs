using Linnet.Proxy.Authorization;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Connections;
using Linnet.Proxy.Http.Stages;
using Linnet.Proxy.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Linnet.Proxy.Tests.Http.Stages;

public sealed class InboundAuthorizationStageTests
{
    [Fact]
    public async Task InvokeAsync_PolicyDeniesPlaintext_403AndNotForwarded()
    {
        using var harness = new RequestStageHarness(policy: InboundPolicyConfig.Uniform(DefaultInboundPolicy.AllAuthenticated));
        var context = RequestStageHarness.Context("web");
        var forwarded = false;

        await Stage(harness).InvokeAsync(harness.Request(context, ListenerRole.Inbound), _ =>
        {
            forwarded = true;
            return Task.CompletedTask;
        });

        Assert.False(forwarded);
        Assert.Equal(StatusCodes.Status403Forbidden, context.Response.StatusCode);
        Assert.Equal(1, harness.Scrape().Sum("proxy_error_total", ("direction", "inbound"), ("reason", "unauthorized")));
    }

    [Fact]
    public async Task InvokeAsync_PolicyAdmits_Forwarded()
    {
        using var harness = new RequestStageHarness(policy: InboundPolicyConfig.Uniform(DefaultInboundPolicy.AllUnauthenticated));
        var context = RequestStageHarness.Context("web");
        var forwarded = false;

        await Stage(harness).InvokeAsync(harness.Request(context, ListenerRole.Inbound), _ =>
        {
            forwarded = true;
            return Task.CompletedTask;
        });

        Assert.True(forwarded);
    }

    [Fact]
    public async Task InvokeAsync_Outbound_NotSubjectToInboundPolicy()
    {
        using var harness = new RequestStageHarness(policy: InboundPolicyConfig.Uniform(DefaultInboundPolicy.Deny));
        var forwarded = false;

        await Stage(harness).InvokeAsync(harness.Request(RequestStageHarness.Context("backend"), ListenerRole.Outbound), _ =>
        {
            forwarded = true;
            return Task.CompletedTask;
        });

        Assert.True(forwarded);
    }

    private static InboundAuthorizationStage Stage(RequestStageHarness harness) =>
        new(new InboundAuthorizer(new AuthorizationMetrics(new WorkloadInfo("test", "web", "web-0")), NullLogger<InboundAuthorizer>.Instance), harness.Responses);
}
