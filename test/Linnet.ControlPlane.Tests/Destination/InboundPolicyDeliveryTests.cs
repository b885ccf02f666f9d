using Google.Protobuf;
using Linnet.Api.Destination.V1;
using Linnet.Api.Policy;
using Linnet.ControlPlane.Core.Policy;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Destination;
using Linnet.ControlPlane.Tests.Infrastructure;

namespace Linnet.ControlPlane.Tests.Destination;

/// <summary>Each subscriber is sent its own instance's inbound policy: in the snapshot, and again whenever it
/// changes (and only then).</summary>
public sealed class InboundPolicyDeliveryTests
{
    private const string Policy = """
        apiVersion: policy.linkerd.io/v1beta3
        kind: Server
        metadata: { name: web-http }
        spec: { podSelector: { matchLabels: { app: web } }, port: 8080, proxyProtocol: HTTP/1 }
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: AuthorizationPolicy
        metadata: { name: from-client }
        spec:
          targetRef: { group: policy.linkerd.io, kind: Server, name: web-http }
          requiredAuthenticationRefs: [ { group: policy.linkerd.io, kind: MeshTLSAuthentication, name: client } ]
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: MeshTLSAuthentication
        metadata: { name: client }
        spec: { identities: [ "client.default.serviceaccount.identity.linkerd.cluster.local", "*.ops.serviceaccount.identity.linkerd.cluster.local" ] }

        """;

    private const string WebRoute = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: web-api }
        spec:
          parentRefs: [ { name: web } ]
          rules:
            - matches: [ { path: { type: PathPrefix, value: /api }, method: GET } ]
              filters: [ { type: RequestHeaderModifier, requestHeaderModifier: { set: [ { name: x-route, value: api } ] } } ]
              backendRefs: [ { name: web-v2 } ]

        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Subscribe_NoPolicyResources_SnapshotCarriesMeshWideDefault()
    {
        await using var cp = await TestControlPlane.StartAsync(Ct, options: new ControlPlaneOptions { DefaultInboundPolicy = DefaultInboundPolicies.AllAuthenticated });
        await cp.CommitAsStoreAsync(Manifests.Instance("web-0", "web", "127.0.0.2"), Ct);
        using var subscription = cp.Subscribe("default", "web", "web-0");

        var snapshot = await subscription.NextAsync(Ct);

        Assert.NotNull(snapshot.InboundPolicy);
        Assert.Equal(DefaultPolicy.AllAuthenticated, snapshot.InboundPolicy.DefaultPolicy);
        Assert.Empty(snapshot.InboundPolicy.Servers);
    }

    [Fact]
    public async Task Subscribe_PolicyApplied_UpdateCarriesServerAndAuthorizationForThatInstanceOnly()
    {
        await using var cp = await TestControlPlane.StartAsync(Ct);
        await cp.CommitAsStoreAsync(Manifests.Join(Manifests.Instance("web-0", "web", "127.0.0.2"), Manifests.Instance("db-0", "db", "127.0.0.3")), Ct);
        using var web = cp.Subscribe("default", "web", "web-0");
        using var db = cp.Subscribe("default", "db", "db-0");
        await web.NextAsync(Ct);
        await db.NextAsync(Ct);

        await cp.ApplyOkAsync(Policy, Ct);
        var webUpdate = await web.NextAsync(Ct);
        var dbUpdate = await db.NextAsync(Ct);

        var server = Assert.Single(webUpdate.InboundPolicy.Servers);
        Assert.Equal(("web-http", 8080, DefaultPolicy.Deny), (server.Name, Assert.Single(server.Ports), server.AccessPolicy));
        var authz = Assert.Single(server.Authorizations);
        Assert.True(authz.RequireIdentity);
        Assert.Equal(["spiffe://cluster.local/ns/default/sa/client"], authz.Identities.Where(i => i.MatchCase == global::Linnet.Api.Destination.V1.IdentityMatch.MatchOneofCase.Exact).Select(i => i.Exact));
        Assert.Equal(["spiffe://cluster.local/ns/ops/sa/"], authz.Identities.Where(i => i.MatchCase == global::Linnet.Api.Destination.V1.IdentityMatch.MatchOneofCase.Prefix).Select(i => i.Prefix));
        // db's policy did not change: its update says nothing about it.
        Assert.Null(dbUpdate.InboundPolicy);
    }

    [Fact]
    public async Task Subscribe_UnrelatedChange_UpdateLeavesPolicyOut()
    {
        await using var cp = await TestControlPlane.StartAsync(Ct);
        await cp.CommitAsStoreAsync(Manifests.Instance("web-0", "web", "127.0.0.2"), Ct);
        await cp.ApplyOkAsync(Policy, Ct);
        using var subscription = cp.Subscribe("default", "web", "web-0");
        var snapshot = await subscription.NextAsync(Ct);

        await cp.ApplyOkAsync(Manifests.Service("api"), Ct);
        var update = await subscription.NextAsync(Ct);

        Assert.Single(snapshot.InboundPolicy.Servers);
        Assert.Null(update.InboundPolicy);
        Assert.Single(update.Services);
    }

    [Fact]
    public async Task Subscribe_ServiceWithRoutes_PolicyCarriesItsRoutesMatchesOnlyToTheInstancesThatServeIt()
    {
        await using var cp = await TestControlPlane.StartAsync(Ct);
        await cp.CommitAsStoreAsync(Manifests.Join(Manifests.Instance("web-0", "web", "127.0.0.2"), Manifests.Instance("db-0", "db", "127.0.0.3")), Ct);
        await cp.ApplyOkAsync(Manifests.Join(Manifests.Service("web"), Manifests.Service("db"), Manifests.Service("web-v2", app: "nobody"), WebRoute), Ct);
        using var web = cp.Subscribe("default", "web", "web-0");
        using var db = cp.Subscribe("default", "db", "db-0");

        var webPolicy = (await web.NextAsync(Ct)).InboundPolicy;
        var dbPolicy = (await db.NextAsync(Ct)).InboundPolicy;

        // web-0 serves web:80, which has a route: it gets it to classify its inbound requests by; db-0 serves a
        // service without routes, and gets nothing.
        var service = Assert.Single(webPolicy.Services);
        Assert.Equal(("web.default:80", 80), (service.Key, service.Port));
        Assert.Contains("web.default.svc.cluster.local", service.Names);
        var route = Assert.Single(service.Routes);
        Assert.Equal(("default/web-api", Route.Types.Kind.Http), (route.Name, route.Kind));
        var rule = Assert.Single(route.Rules);
        var match = Assert.Single(rule.Matches);
        Assert.Equal(("/api", "GET"), (match.Path.Value, match.Method));
        // Only what classifies: the backends and filters are the clients'.
        Assert.Empty(rule.Backends);
        Assert.Null(rule.RequestHeaders);
        Assert.Empty(dbPolicy.Services);
    }

    [Fact]
    public void ToProtoThenFromProto_TranslatedPolicy_RoundTripsEqual()
    {
        var view = new InboundPolicyView(DefaultInboundPolicies.Audit,
        [
            new InboundServerView("web-http", [8080, 8081], "HTTP/2", DefaultInboundPolicies.Audit,
            [
                new AuthorizationView("anyone", null, null),
                new AuthorizationView("meshed", [global::Linnet.ControlPlane.Core.Policy.IdentityMatch.Any, new(IdentityMatchKind.Exact, "spiffe://cluster.local/ns/a/sa/b"), new(IdentityMatchKind.Prefix, "spiffe://cluster.local/ns/c/sa/")], null),
                new AuthorizationView("local", null, [new NetworkRule("127.0.0.0/8", ["127.0.0.9/32"])]),
            ]),
        ]);

        var proto = PolicyProtoMapper.ToProto(view);
        var back = PolicyProtoMapper.FromProto(InboundPolicy.Parser.ParseFrom(proto.ToByteArray()));

        Assert.Equal(view, back);
        Assert.Equal(DefaultPolicy.Audit, proto.DefaultPolicy);
    }
}
