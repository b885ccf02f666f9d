using Linnet.Proxy.Configuration;
using Linnet.Proxy.Http;
using Linnet.Proxy.Http.Stages;
using Linnet.Proxy.Tests.Listening.Stages;
using Microsoft.Extensions.DependencyInjection;

namespace Linnet.Proxy.Tests.Http.Stages;

public sealed class RequestPipelineTests
{
    [Fact]
    public async Task Stages_AsTheProxyComposesThem_FollowTheDocumentedOrder()
    {
        // docs/architecture.md (and issue 11's route stack): raw-head checks → inbound authorization → destination →
        // route → filters → mirror → retry → balance → forward.
        await using var host = ProxyHost.Create(StageHarness.Bootstrap(), new StaticProxyConfigProvider([]));
        var pipeline = host.Services.GetRequiredService<HttpProxyHandler>().Pipeline;

        Assert.Equal(["head-checks", "inbound-authorization", "destination", "route", "filters", "mirror", "retry", "balance", "forward"], pipeline.Stages.Select(s => s.Name));
        Assert.Single(pipeline.Stages.OfType<InboundAuthorizationStage>());
    }
}
