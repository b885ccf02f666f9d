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

    [Fact]
    public async Task Chains_ComposedFromTheOrder_EachRequestVisitsOnlyTheStagesThatActOnIt()
    {
        // Issue 11: "one path for rules with and without filters; a rule without filters compiles to the short chain".
        // Inbound requests are authorized and classified, never balanced; outbound ones without filters go straight from
        // the route to balance → forward; the mirror stage (which also keeps the body a retry replays) only where the rule
        // mirrors or retries.
        await using var host = ProxyHost.Create(StageHarness.Bootstrap(), new StaticProxyConfigProvider([]));
        var pipeline = host.Services.GetRequiredService<HttpProxyHandler>().Pipeline;

        Assert.Equal(["head-checks", "inbound-authorization", "route", "forward"], pipeline.Chains["inbound"]);
        Assert.Equal(["head-checks", "destination", "route", "balance", "forward"], pipeline.Chains["outbound"]);
        Assert.Equal(["head-checks", "destination", "route", "filters", "retry", "balance", "forward"], pipeline.Chains["outbound-filters"]);
        Assert.Equal(["head-checks", "destination", "route", "filters", "mirror", "retry", "balance", "forward"], pipeline.Chains["outbound-filters-mirror-or-retry"]);
        foreach (var chain in pipeline.Chains.Values)
        {
            // Each chain keeps the declared order.
            var positions = chain.Select(name => pipeline.Stages.Select(s => s.Name).ToList().IndexOf(name)).ToList();
            Assert.DoesNotContain(-1, positions);
            Assert.Equal(positions.Order(), positions);
        }
    }
}
