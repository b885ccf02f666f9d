using Linnet.Proxy.Authorization;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Connections;
using Linnet.Proxy.Listening.Stages;
using Linnet.Proxy.Routing;
using Linnet.Proxy.Telemetry;
using Linnet.Proxy.Tests.Authorization;
using Microsoft.Extensions.Logging.Abstractions;

namespace Linnet.Proxy.Tests.Listening.Stages;

public sealed class TcpAuthorizationStageTests
{
    [Theory]
    [InlineData(nameof(DefaultInboundPolicy.Deny), false)]
    [InlineData(nameof(DefaultInboundPolicy.AllAuthenticated), false)]
    [InlineData(nameof(DefaultInboundPolicy.AllUnauthenticated), true)]
    public async Task InvokeAsync_PlaintextInbound_DecidedByTheDefaultPolicy(string policyName, bool admitted)
    {
        // By name: the proxy's types are internal, a public test method cannot take one.
        var policy = Enum.Parse<DefaultInboundPolicy>(policyName);
        await using var harness = await StageHarness.ConnectAsync(TestContext.Current.CancellationToken);
        using var provider = new PolicyConfigProvider(InboundPolicyConfig.Uniform(policy));
        using var services = new ServiceTable(provider, NullLogger<ServiceTable>.Instance, TimeProvider.System);
        var metrics = new AuthorizationMetrics(new WorkloadInfo("test", "web", "web-0"));
        var authorizer = new InboundAuthorizer(metrics, NullLogger<InboundAuthorizer>.Instance);
        var connection = harness.Connection(ListenerRole.Inbound);
        connection.Feature = connection.Feature with { TargetPort = 5432 };
        var called = false;

        await new TcpAuthorizationStage(authorizer, services).InvokeAsync(connection, _ =>
        {
            called = true;
            return Task.CompletedTask;
        });

        Assert.Equal(admitted, called);
        var sb = new System.Text.StringBuilder();
        metrics.WriteTo(sb);
        var scrape = new Infrastructure.MetricsScrape(sb.ToString());
        Assert.Equal(admitted ? 0 : 1, scrape.Sum("inbound_tcp_authz_deny_total", ("target_port", "5432")));
        Assert.Equal(admitted ? 1 : 0, scrape.Sum("inbound_tcp_authz_allow_total", ("target_port", "5432")));
    }

    [Fact]
    public async Task InvokeAsync_Outbound_NotSubjectToInboundPolicy()
    {
        await using var harness = await StageHarness.ConnectAsync(TestContext.Current.CancellationToken);
        using var provider = new PolicyConfigProvider(InboundPolicyConfig.Uniform(DefaultInboundPolicy.Deny));
        using var services = new ServiceTable(provider, NullLogger<ServiceTable>.Instance, TimeProvider.System);
        var authorizer = new InboundAuthorizer(new AuthorizationMetrics(new WorkloadInfo("test", "web", "web-0")), NullLogger<InboundAuthorizer>.Instance);
        var called = false;

        await new TcpAuthorizationStage(authorizer, services).InvokeAsync(harness.Connection(ListenerRole.Outbound), _ =>
        {
            called = true;
            return Task.CompletedTask;
        });

        Assert.True(called);
    }
}
