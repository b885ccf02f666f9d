using Linnet.Proxy.Connections;
using Linnet.Proxy.Listening.Stages;
using Linnet.Proxy.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Linnet.Proxy.Tests.Listening.Stages;

public sealed class ConnectionPipelineTests
{
    [Fact]
    public async Task Stages_AsTheProxyComposesThem_FollowTheDocumentedOrder()
    {
        // docs/architecture.md: TCP metrics → describe → detection → mesh TLS → strict refusal → (mTLS) transport
        // header → HTTP, or TCP authorization → opaque relay. Authorization of a connection happens in one stage.
        await using var host = ProxyHost.Create(StageHarness.Bootstrap(), new Linnet.Proxy.Configuration.StaticProxyConfigProvider([]));
        var pipeline = host.Services.GetRequiredService<ConnectionPipeline>();

        Assert.Equal(
            ["tcp-metrics", "describe", "detect", "mesh-tls", "strict-refusal", "transport-header", "http", "tcp-authorization", "opaque"],
            pipeline.Stages.Select(s => s.Name));
        Assert.Single(pipeline.Stages.OfType<TcpAuthorizationStage>());
    }

    [Fact]
    public async Task RunAsync_AStageEndsThePath_LaterStagesNeverRun()
    {
        await using var harness = await StageHarness.ConnectAsync(TestContext.Current.CancellationToken);
        var ran = new List<string>();
        var pipeline = new ConnectionPipeline([new Step("a", ran, true), new Step("b", ran, false), new Step("c", ran, true)]);

        await pipeline.RunAsync(harness.Connection(ListenerRole.Outbound));

        Assert.Equal(["a", "b"], ran);
    }

    private sealed class Step(string name, List<string> ran, bool passOn) : IConnectionStage
    {
        public string Name => name;

        public Task InvokeAsync(AcceptedConnection connection, ConnectionDelegate next)
        {
            ran.Add(name);
            return passOn ? next(connection) : Task.CompletedTask;
        }
    }
}
