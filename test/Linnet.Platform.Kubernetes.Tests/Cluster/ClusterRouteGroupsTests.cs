using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Core.Translation;
using Linnet.Platform.Kubernetes.Cluster;
using Microsoft.Extensions.Logging.Abstractions;

namespace Linnet.Platform.Kubernetes.Tests.Cluster;

/// <summary>Gateway API's <c>HTTPRoute</c> and Linkerd's <c>policy.linkerd.io</c> one are two resources in a cluster
/// (two CRDs): a same-named route of each is two objects, both mirrored, both routing, each with its status written to
/// its own group, and deleting one leaves the other.</summary>
public sealed class ClusterRouteGroupsTests : IAsyncLifetime
{
    private static readonly WatchedType GatewayRoutes = WatchedType.All.Single(t => t.Kind == "HTTPRoute" && t.Group == "gateway.networking.k8s.io");
    private static readonly WatchedType LinkerdRoutes = WatchedType.All.Single(t => t.Kind == "HTTPRoute" && t.Group == "policy.linkerd.io");
    private static readonly ResourceKey GatewayKey = new("HTTPRoute", "default", "split");
    private static readonly ResourceKey LinkerdKey = new("HTTPRoute", "default", "split") { Group = "policy.linkerd.io" };
    private ClusterHarness _cluster = null!;

    public async ValueTask InitializeAsync() => _cluster = await ClusterHarness.StartAsync();

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task SameNamedRoutesOfBothGroups_BothTakeEffect_DeletingOneLeavesTheOther()
    {
        await _cluster.InformAsync(WatchedType.Services);
        await _cluster.InformAsync(GatewayRoutes);
        await _cluster.InformAsync(LinkerdRoutes);
        await _cluster.CreateAsync("/api/v1/namespaces/default/services", ClusterHarness.Service("api", 80, 8080, "api"));
        await _cluster.CreateAsync("/api/v1/namespaces/default/services", ClusterHarness.Service("api-v2", 80, 8080, "api-v2"));
        await _cluster.CreateAsync("/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes", Route("gateway.networking.k8s.io/v1", "/gateway"));
        await _cluster.CreateAsync("/apis/policy.linkerd.io/v1beta3/namespaces/default/httproutes", Route("policy.linkerd.io/v1beta3", "/linkerd"));

        var both = await _cluster.WaitForAsync(
            s => s.Resources.ContainsKey(GatewayKey) && s.Resources.ContainsKey(LinkerdKey) && s.Resources.ContainsKey(new ResourceKey("Service", "default", "api-v2")),
            "both routes and both Services");

        Assert.Empty(_cluster.Mirror.Refused);
        Assert.Equal(["/gateway", "/linkerd"], Prefixes(both));
        Assert.Equal("policy.linkerd.io/v1beta3", both.Resources[LinkerdKey].ApiVersion);

        // Each route's status goes to its own group's object.
        var writer = new ClusterRouteStatusWriter(_cluster.Mirror, _cluster.Api, TimeProvider.System, NullLogger.Instance);
        Assert.Equal(2, await writer.ReconcileAsync(TestContext.Current.CancellationToken));
        foreach (var type in new[] { GatewayRoutes, LinkerdRoutes })
        {
            var written = _cluster.Server.Get(ClusterHarness.FakeType(type), "default", "split")!;
            var parent = Assert.Single(written["status"]!["parents"]!.AsArray());
            Assert.Equal(RouteStatus.ControllerName, parent!["controllerName"]!.GetValue<string>());
        }

        await _cluster.SendAsync(HttpMethod.Delete, "/apis/policy.linkerd.io/v1beta3/namespaces/default/httproutes/split");
        var gatewayOnly = await _cluster.WaitForAsync(s => !s.Resources.ContainsKey(LinkerdKey), "the Linkerd route gone");

        Assert.True(gatewayOnly.Resources.ContainsKey(GatewayKey));
        Assert.Equal(["/gateway"], Prefixes(gatewayOnly));

        // And the other way round: the Gateway API route goes, the Linkerd one (created again) stays.
        await _cluster.CreateAsync("/apis/policy.linkerd.io/v1beta3/namespaces/default/httproutes", Route("policy.linkerd.io/v1beta3", "/linkerd"));
        await _cluster.WaitForAsync(s => s.Resources.ContainsKey(LinkerdKey), "the Linkerd route back");
        await _cluster.SendAsync(HttpMethod.Delete, "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes/split");
        var linkerdOnly = await _cluster.WaitForAsync(s => !s.Resources.ContainsKey(GatewayKey), "the Gateway API route gone");

        Assert.True(linkerdOnly.Resources.ContainsKey(LinkerdKey));
        Assert.Equal(["/linkerd"], Prefixes(linkerdOnly));
    }

    private static List<string> Prefixes(StoreSnapshot snapshot) =>
        [.. MeshTranslator.Translate(snapshot).Services.Single(s => s.Name == "api").Routes
            .SelectMany(r => r.Rules).SelectMany(rule => rule.Matches).Select(m => m.Path!.Value).Order(StringComparer.Ordinal)];

    private static JsonObject Route(string apiVersion, string prefix) => new()
    {
        ["apiVersion"] = apiVersion,
        ["kind"] = "HTTPRoute",
        ["metadata"] = new JsonObject { ["name"] = "split" },
        ["spec"] = new JsonObject
        {
            ["parentRefs"] = new JsonArray(new JsonObject { ["name"] = "api", ["kind"] = "Service", ["group"] = "core", ["port"] = 80 }),
            ["rules"] = new JsonArray(new JsonObject
            {
                ["matches"] = new JsonArray(new JsonObject { ["path"] = new JsonObject { ["type"] = "PathPrefix", ["value"] = prefix } }),
                ["backendRefs"] = new JsonArray(new JsonObject { ["name"] = "api-v2", ["port"] = 80 }),
            }),
        },
    };
}
