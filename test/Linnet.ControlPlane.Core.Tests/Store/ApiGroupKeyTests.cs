using Linnet.ControlPlane.Core.Kinds;
using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Core.Translation;

namespace Linnet.ControlPlane.Core.Tests.Store;

/// <summary>A kind accepted in two API groups: Gateway API's <c>HTTPRoute</c> and Linkerd's <c>policy.linkerd.io</c>
/// one are different resources in a cluster (two CRDs), so a same-named object of each is two objects in the store.</summary>
public sealed class ApiGroupKeyTests
{
    private const string Routes = """
        apiVersion: v1
        kind: Service
        metadata: { name: api, namespace: shop }
        spec: { selector: { app: api }, ports: [ { port: 80 } ] }
        ---
        apiVersion: v1
        kind: Service
        metadata: { name: api-v2, namespace: shop }
        spec: { selector: { app: api-v2 }, ports: [ { port: 80 } ] }
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: split, namespace: shop }
        spec:
          parentRefs: [ { name: api, kind: Service, group: core, port: 80 } ]
          rules: [ { matches: [ { path: { type: PathPrefix, value: /gateway } } ], backendRefs: [ { name: api-v2, port: 80 } ] } ]
        ---
        apiVersion: policy.linkerd.io/v1beta2
        kind: HTTPRoute
        metadata: { name: split, namespace: shop }
        spec:
          parentRefs: [ { name: api, kind: Service, group: core, port: 80 } ]
          rules: [ { matches: [ { path: { type: PathPrefix, value: /linkerd } } ], backendRefs: [ { name: api-v2, port: 80 } ] } ]
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Key_SameNameInBothGroups_TwoKeysTheLinkerdOneNamingItsGroup()
    {
        var routes = Parse().OfType<HttpRouteResource>().ToList();

        Assert.Equal(2, routes.Count);
        Assert.Equal(
            [new ResourceKey("HTTPRoute", "shop", "split"), new ResourceKey("HTTPRoute", "shop", "split") { Group = "policy.linkerd.io" }],
            routes.Select(r => r.Key));
        Assert.Equal("HTTPRoute.policy.linkerd.io/shop/split", routes[1].Key.ToString());
    }

    [Fact]
    public void Key_KindsOwnGroup_CarriesNoGroup() =>
        Assert.All(Parse(), r => Assert.Equal(r is HttpRouteResource { Group: "policy.linkerd.io" } ? "policy.linkerd.io" : null, r.Key.Group));

    [Fact]
    public async Task Store_BothRoutes_BothKeptBothTranslatedAndDeletingOneLeavesTheOther()
    {
        using var store = new InMemoryResourceStore();
        await store.CommitAsync([.. Parse().Select(r => new PutChange(r))], Ct);

        Assert.Equal(["/gateway", "/linkerd"], Prefixes(store.Snapshot()));

        await store.CommitAsync([new DeleteChange(new ResourceKey("HTTPRoute", "shop", "split") { Group = "policy.linkerd.io" })], Ct);

        Assert.Equal(["/gateway"], Prefixes(store.Snapshot()));
        Assert.Equal("gateway.networking.k8s.io/v1", store.Find(new ResourceKey("HTTPRoute", "shop", "split"))!.ApiVersion);
    }

    [Fact]
    public void Writer_LinkerdRoute_StoredInItsOwnGroupAndReadBackAsTheSameKey()
    {
        var linkerd = Parse().OfType<HttpRouteResource>().Single(r => r.Group == HttpRouteResource.LinkerdGroup);

        var json = ResourceWriter.ToJson(linkerd);
        var again = ManifestParser.Parse(ResourceWriter.ToJsonLine(linkerd), "store.json", ManifestOrigin.Store);

        Assert.Equal("policy.linkerd.io/v1beta3", json["apiVersion"]!.GetValue<string>());
        Assert.Empty(again.Errors);
        var read = Assert.IsType<HttpRouteResource>(Assert.Single(again.Resources));
        Assert.Equal(linkerd.Key, read.Key);
        Assert.True(read.SpecEquals(linkerd));
    }

    [Theory]
    [InlineData("httproutes", "HTTPRoute", null)]
    [InlineData("httproutes.policy.linkerd.io", "HTTPRoute", "policy.linkerd.io")]
    [InlineData("HTTPRoute.policy.linkerd.io", "HTTPRoute", "policy.linkerd.io")]
    [InlineData("httproute.gateway.networking.k8s.io", "HTTPRoute", null)]
    [InlineData("canaries.linnet.io", "Canary", "linnet.io")]
    public void ResolveQualified_KindAndOneOfItsGroups_GivesBoth(string typed, string kind, string? group)
    {
        var found = ResourceKinds.ResolveQualified(typed);

        Assert.NotNull(found);
        Assert.Equal((kind, group), (found.Value.Kind.Name, found.Value.Group));
    }

    [Theory]
    [InlineData("httproutes.flagger.app")]
    [InlineData("services.policy.linkerd.io")]
    [InlineData(".policy.linkerd.io")]
    [InlineData("gadgets.policy.linkerd.io")]
    public void ResolveQualified_GroupNotTheKinds_Null(string typed) => Assert.Null(ResourceKinds.ResolveQualified(typed));

    private static List<Resource> Parse()
    {
        var parsed = ManifestParser.Parse(Routes, "routes.yaml");
        Assert.Empty(parsed.Errors);
        return [.. parsed.Resources];
    }

    private static List<string> Prefixes(StoreSnapshot snapshot) =>
        [.. MeshTranslator.Translate(snapshot).Services.Single(s => s.Name == "api").Routes
            .SelectMany(r => r.Rules).SelectMany(rule => rule.Matches).Select(m => m.Path!.Value).Order(StringComparer.Ordinal)];
}
