using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Reconciliation;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Core.Translation;

namespace Linnet.ControlPlane.Core.Tests.Reconciliation;

/// <summary>Gateway API's rules for a route's backendRefs (apis/v1/shared_types.go, httproute_types.go): a reference
/// to a Service in another namespace needs a ReferenceGrant there (else <c>ResolvedRefs</c> False, reason
/// <c>RefNotPermitted</c>), one to a group/kind that is not supported gives <c>InvalidKind</c>; neither gets traffic:
/// its share of the split stays under a key no service has, which the proxy answers 500 (HTTPBackendRef: "the
/// proportion of requests that would otherwise have been routed to an invalid backend MUST receive a 500").</summary>
public sealed class RouteReferenceTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_764_806_400);

    private const string Services = """
        apiVersion: v1
        kind: Service
        metadata: { name: web, namespace: shop }
        spec: { selector: { app: web }, ports: [ { port: 80 } ] }
        ---
        apiVersion: v1
        kind: Service
        metadata: { name: ledger, namespace: payments }
        spec: { selector: { app: ledger }, ports: [ { port: 80 } ] }
        ---
        apiVersion: v1
        kind: Service
        metadata: { name: audit, namespace: payments }
        spec: { selector: { app: audit }, ports: [ { port: 80 } ] }
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: web, namespace: shop }
        spec:
          parentRefs: [ { name: web } ]
          rules:
            - backendRefs: [ { name: web, weight: 50 }, { name: ledger, namespace: payments, weight: 50 } ]

        """;

    private static string Grant(string fromNamespace, string fromKind = "HTTPRoute", string to = "{ group: \"\", kind: Service, name: ledger }") =>
        "---\napiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata: { name: shop-routes, namespace: payments }\nspec:\n"
        + $"  from: [ {{ group: gateway.networking.k8s.io, kind: {fromKind}, namespace: {fromNamespace} }} ]\n  to: [ {to} ]\n";

    [Fact]
    public void Compute_CrossNamespaceBackendWithoutGrant_RefNotPermittedAndNoTraffic()
    {
        var snapshot = Snapshot(Services);

        var resolved = ResolvedRefs(snapshot);

        Assert.Equal(("False", "RefNotPermitted"), (resolved.Status, resolved.Reason));
        Assert.Contains("Service payments/ledger is in another namespace and no ReferenceGrant in 'payments' lets HTTPRoutes of 'shop' reference it", resolved.Message, StringComparison.Ordinal);
        Assert.Equal(["web.shop:80", "!unresolved:Service/payments/ledger"], Backends(snapshot));
    }

    [Theory]
    [InlineData("shop", "HTTPRoute", "{ group: \"\", kind: Service, name: ledger }", "True", "ResolvedRefs")]
    [InlineData("shop", "HTTPRoute", "{ group: \"\", kind: Service }", "True", "ResolvedRefs")]
    [InlineData("shop", "HTTPRoute", "{ group: \"\", kind: Service, name: audit }", "False", "RefNotPermitted")]
    [InlineData("other", "HTTPRoute", "{ group: \"\", kind: Service, name: ledger }", "False", "RefNotPermitted")]
    [InlineData("shop", "GRPCRoute", "{ group: \"\", kind: Service, name: ledger }", "False", "RefNotPermitted")]
    public void Compute_ReferenceGrant_PermitsOnlyTheRouteKindNamespaceAndServiceItNames(string fromNamespace, string fromKind, string to, string status, string reason)
    {
        var snapshot = Snapshot(Services + Grant(fromNamespace, fromKind, to));

        var resolved = ResolvedRefs(snapshot);

        Assert.Equal((status, reason), (resolved.Status, resolved.Reason));
        Assert.Equal(["web.shop:80", status == "True" ? "ledger.payments:80" : "!unresolved:Service/payments/ledger"], Backends(snapshot));
    }

    [Fact]
    public void Compute_BackendOfUnsupportedKind_InvalidKindAndNoTraffic()
    {
        var snapshot = Snapshot(Services.Replace("{ name: ledger, namespace: payments, weight: 50 }", "{ group: multicluster.x-k8s.io, kind: ServiceImport, name: ledger, weight: 50 }", StringComparison.Ordinal));

        var resolved = ResolvedRefs(snapshot);

        Assert.Equal(("False", "InvalidKind"), (resolved.Status, resolved.Reason));
        Assert.Contains("multicluster.x-k8s.io/ServiceImport shop/ledger is not a kind of backend Linnet supports", resolved.Message, StringComparison.Ordinal);
        Assert.Equal(["web.shop:80", "!unresolved:multicluster.x-k8s.io/ServiceImport/shop/ledger"], Backends(snapshot));
    }

    [Fact]
    public void ToJson_ReferenceGrantAndOtherKindBackend_ParseBackEqual()
    {
        var parsed = ManifestParser.Parse(Services.Replace("{ name: web, weight: 50 }", "{ group: example.com, kind: Bucket, name: web, weight: 50 }", StringComparison.Ordinal) + Grant("shop"), "in.yaml");
        Assert.Empty(parsed.Errors);

        foreach (var resource in parsed.Resources)
        {
            var reread = Assert.Single(ManifestParser.Parse(ResourceWriter.ToJsonLine(resource), "store", ManifestOrigin.Store).Resources);
            Assert.True(resource.ContentEquals(reread), resource.Key.ToString());
        }
    }

    public static TheoryData<string, string, string> InvalidGrants => new()
    {
        { "spec: { from: [], to: [ { group: \"\", kind: Service } ] }", "spec.from", "must list 1 to 16 entries" },
        { "spec: { from: [ { group: gateway.networking.k8s.io, kind: Gateway, namespace: shop } ], to: [ { group: \"\", kind: Service } ] }", "spec.from[0].kind", "'Gateway' grants nothing in Linnet: only HTTPRoute and GRPCRoute reference other namespaces' Services" },
        { "spec: { from: [ { group: policy.linkerd.io, kind: HTTPRoute, namespace: shop } ], to: [ { group: \"\", kind: Service } ] }", "spec.from[0].group", "'policy.linkerd.io' grants nothing in Linnet: references come from HTTPRoutes and GRPCRoutes of gateway.networking.k8s.io (a grant from it covers policy.linkerd.io HTTPRoutes too)" },
        { "spec: { from: [ { group: gateway.networking.k8s.io, kind: HTTPRoute } ], to: [ { group: \"\", kind: Service } ] }", "spec.from[0].namespace", "is required" },
        { "spec: { from: [ { group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: shop } ], to: [ { group: \"\", kind: Secret } ] }", "spec.to[0].kind", "'Secret' grants nothing in Linnet: routes reference Services only" },
        { "spec: { from: [ { group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: shop } ], to: [ { group: \"\", kind: Service, port: 80 } ] }", "spec.to[0].port", "unknown field (known: group, kind, name)" },
    };

    [Theory]
    [MemberData(nameof(InvalidGrants))]
    public void Parse_InvalidReferenceGrant_RejectedWithPathAndReason(string spec, string path, string reason)
    {
        var result = ManifestParser.Parse($"apiVersion: gateway.networking.k8s.io/v1beta1\nkind: ReferenceGrant\nmetadata: {{ name: g, namespace: payments }}\n{spec}\n", "bad.yaml");

        Assert.Empty(result.Resources);
        Assert.Contains(result.Errors, e => (e.Path, e.Reason) == (path, reason));
    }

    private static StoreSnapshot Snapshot(string yaml)
    {
        var parsed = ManifestParser.Parse(yaml, "in.yaml");
        Assert.Empty(parsed.Errors);
        return new StoreSnapshot(1, parsed.Resources.ToDictionary(r => r.Key));
    }

    private static RouteCondition ResolvedRefs(StoreSnapshot snapshot)
    {
        var route = snapshot.OfKind<HttpRouteResource>().Single();
        return RouteStatusCalculator.Compute(snapshot, route, Now).Parents.Single().Conditions.Single(c => c.Type == "ResolvedRefs");
    }

    private static List<string> Backends(StoreSnapshot snapshot) =>
        [.. MeshTranslator.Translate(snapshot).Services.Single(s => s.Key == "web.shop:80").Routes.Single().Rules.Single().Backends.Select(b => b.ServiceKey)];
}
