using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;

namespace Linnet.ControlPlane.Core.Tests.Manifests;

/// <summary>Server, AuthorizationPolicy, MeshTLSAuthentication and NetworkAuthentication: what parses, and each
/// rejection with its field path.</summary>
public sealed class PolicyManifestParserTests
{
    private const string Valid = """
        apiVersion: policy.linkerd.io/v1beta3
        kind: Server
        metadata: { name: backend-http, namespace: shop }
        spec:
          podSelector:
            matchLabels: { app: backend }
            matchExpressions:
              - { key: track, operator: In, values: [stable, canary] }
              - { key: legacy, operator: DoesNotExist }
          port: 8080
          proxyProtocol: HTTP/1
        ---
        apiVersion: policy.linkerd.io/v1beta1
        kind: Server
        metadata: { name: backend-admin, namespace: shop }
        spec:
          podSelector: {}
          port: admin-http
          accessPolicy: audit
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: AuthorizationPolicy
        metadata: { name: web-to-backend, namespace: shop }
        spec:
          targetRef: { group: policy.linkerd.io, kind: Server, name: backend-http }
          requiredAuthenticationRefs:
            - { group: policy.linkerd.io, kind: MeshTLSAuthentication, name: web }
            - { group: policy.linkerd.io, kind: NetworkAuthentication, name: local, namespace: infra }
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: AuthorizationPolicy
        metadata: { name: everyone, namespace: shop }
        spec:
          targetRef: { kind: Namespace, name: shop }
          requiredAuthenticationRefs: []
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: MeshTLSAuthentication
        metadata: { name: web, namespace: shop }
        spec:
          identities:
            - "spiffe://cluster.local/ns/shop/sa/web"
            - "*.ops.serviceaccount.identity.linkerd.cluster.local"
            - "checkout.shop.serviceaccount.identity.linkerd.cluster.local"
            - "*"
          identityRefs:
            - { kind: ServiceAccount, name: cron }
            - { kind: Namespace, name: monitoring }
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: NetworkAuthentication
        metadata: { name: local, namespace: infra }
        spec:
          networks:
            - { cidr: 127.0.0.0/8, except: [127.0.0.99/32] }
            - cidr: "::1/128"
        """;

    [Fact]
    public void Parse_ValidPolicyKinds_TypedResources()
    {
        var result = ManifestParser.Parse(Valid, "policy.yaml");

        Assert.Empty(result.Errors);
        var server = Assert.IsType<ServerResource>(result.Resources[0]);
        Assert.Equal(8080, server.Spec.Port.Number);
        Assert.Equal("HTTP/1", server.Spec.ProxyProtocol);
        Assert.Equal("deny", server.Spec.AccessPolicy);
        Assert.True(server.Spec.PodSelector.Matches(new Dictionary<string, string> { ["app"] = "backend", ["track"] = "canary" }));
        Assert.False(server.Spec.PodSelector.Matches(new Dictionary<string, string> { ["app"] = "backend", ["track"] = "canary", ["legacy"] = "1" }));
        Assert.False(server.Spec.PodSelector.Matches(new Dictionary<string, string> { ["app"] = "backend", ["track"] = "beta" }));
        var named = Assert.IsType<ServerResource>(result.Resources[1]);
        Assert.Equal("admin-http", named.Spec.Port.Name);
        Assert.Equal("audit", named.Spec.AccessPolicy);
        Assert.True(named.Spec.PodSelector.Matches(new Dictionary<string, string>()));
        var policy = Assert.IsType<AuthorizationPolicyResource>(result.Resources[2]);
        Assert.Equal(new AuthenticationRef("policy.linkerd.io", "NetworkAuthentication", "local", "infra"), policy.Spec.RequiredAuthenticationRefs[1]);
        Assert.Equal("shop", policy.Spec.RequiredAuthenticationRefs[0].Namespace);
        var mtls = Assert.IsType<MeshTlsAuthenticationResource>(result.Resources[4]);
        Assert.Equal(new IdentityRef("ServiceAccount", "cron", "shop"), mtls.Spec.IdentityRefs[0]);
        Assert.Equal(new IdentityRef("Namespace", "monitoring", "monitoring"), mtls.Spec.IdentityRefs[1]);
        Assert.IsType<NetworkAuthenticationResource>(result.Resources[5]);
    }

    [Fact]
    public void WriteThenParse_PolicyKinds_RoundTripEqual()
    {
        var resources = ManifestParser.Parse(Valid, "policy.yaml").Resources;

        foreach (var resource in resources)
        {
            var line = ResourceWriter.ToJsonLine(resource);
            var back = ManifestParser.Parse(line, "store", ManifestOrigin.Store);

            Assert.Empty(back.Errors);
            var reread = Assert.Single(back.Resources);
            Assert.Equal(resource.Key, reread.Key);
            Assert.True(resource.ContentEquals(reread), $"{resource.Key} changed on a round trip: {line}");
        }
    }

    [Theory]
    [InlineData("kind: Server\nmetadata: { name: s }\nspec: { podSelector: {}, port: 8080, color: red }", "spec.color", "unknown field")]
    [InlineData("kind: Server\nmetadata: { name: s }\nspec: { port: 8080 }", "spec.podSelector", "is required")]
    [InlineData("kind: Server\nmetadata: { name: s }\nspec: { podSelector: {} }", "spec.port", "is required")]
    [InlineData("kind: Server\nmetadata: { name: s }\nspec: { podSelector: {}, port: 70000 }", "spec.port", "out of range")]
    [InlineData("kind: Server\nmetadata: { name: s }\nspec: { podSelector: {}, port: Not_A_Name }", "spec.port", "neither a port number")]
    [InlineData("kind: Server\nmetadata: { name: s }\nspec: { podSelector: {}, port: 80, proxyProtocol: HTTP/3 }", "spec.proxyProtocol", "not one of")]
    [InlineData("kind: Server\nmetadata: { name: s }\nspec: { podSelector: {}, port: 80, accessPolicy: cluster-authenticated }", "spec.accessPolicy", "no cluster networks")]
    [InlineData("kind: Server\nmetadata: { name: s }\nspec: { podSelector: { matchExpressions: [ { key: a, operator: Like, values: [x] } ] }, port: 80 }", "spec.podSelector.matchExpressions[0].operator", "not one of")]
    [InlineData("kind: Server\nmetadata: { name: s }\nspec: { podSelector: { matchExpressions: [ { key: a, operator: In } ] }, port: 80 }", "spec.podSelector.matchExpressions[0].values", "at least one value")]
    [InlineData("kind: Server\nmetadata: { name: s }\nspec: { podSelector: { matchExpressions: [ { key: a, operator: Exists, values: [x] } ] }, port: 80 }", "spec.podSelector.matchExpressions[0].values", "must be empty")]
    [InlineData("kind: Server\nmetadata: { name: s }\nspec: { podSelector: { matchLables: { a: b } }, port: 80 }", "spec.podSelector.matchLables", "unknown field")]
    [InlineData("kind: AuthorizationPolicy\nmetadata: { name: p }\nspec: { requiredAuthenticationRefs: [] }", "spec.targetRef", "is required")]
    [InlineData("kind: AuthorizationPolicy\nmetadata: { name: p }\nspec: { targetRef: { kind: Deployment, name: x } }", "spec.targetRef.kind", "not a kind a policy can target")]
    [InlineData("kind: AuthorizationPolicy\nmetadata: { name: p }\nspec: { targetRef: { kind: Server, name: x } }", "spec.targetRef.group", "expected policy.linkerd.io")]
    [InlineData("kind: AuthorizationPolicy\nmetadata: { name: p, namespace: shop }\nspec: { targetRef: { kind: Namespace, name: other } }", "spec.targetRef.name", "its own namespace")]
    [InlineData("kind: AuthorizationPolicy\nmetadata: { name: p }\nspec: { targetRef: { group: policy.linkerd.io, kind: HTTPRoute, name: r } }", "spec.targetRef.kind", "not supported yet")]
    [InlineData("kind: AuthorizationPolicy\nmetadata: { name: p }\nspec: { targetRef: { kind: Namespace, name: default }, requiredAuthenticationRefs: [ { kind: Secret, name: x } ] }", "spec.requiredAuthenticationRefs[0].kind", "not an authentication kind")]
    [InlineData("kind: AuthorizationPolicy\nmetadata: { name: p }\nspec: { targetRef: { kind: Namespace, name: default }, requiredAuthenticationRefs: [ { kind: MeshTLSAuthentication, name: x } ] }", "spec.requiredAuthenticationRefs[0].group", "expected policy.linkerd.io")]
    [InlineData("kind: AuthorizationPolicy\nmetadata: { name: p }\nspec: { targetRef: { kind: Namespace, name: default }, requiredAuthenticationRefs: [ { group: policy.linkerd.io, kind: MeshTLSAuthentication, name: a }, { group: policy.linkerd.io, kind: MeshTLSAuthentication, name: b } ] }", "spec.requiredAuthenticationRefs[1].kind", "only one MeshTLSAuthentication")]
    [InlineData("kind: MeshTLSAuthentication\nmetadata: { name: m }\nspec: { identities: [ 'web.example.com' ] }", "spec.identities[0]", "not an identity Linnet issues")]
    [InlineData("kind: MeshTLSAuthentication\nmetadata: { name: m }\nspec: { identities: [ '*.example.com' ] }", "spec.identities[0]", "suffix wildcard")]
    [InlineData("kind: MeshTLSAuthentication\nmetadata: { name: m }\nspec: { identities: [ 'spiffe://cluster.local/ns/shop' ] }", "spec.identities[0]", "not a workload identity")]
    [InlineData("kind: MeshTLSAuthentication\nmetadata: { name: m }\nspec: { identities: [ 'spiffe://Bad_Domain/ns/a/sa/b' ] }", "spec.identities[0]", "not a trust domain")]
    [InlineData("kind: MeshTLSAuthentication\nmetadata: { name: m }\nspec: { identityRefs: [ { kind: Deployment, name: web } ] }", "spec.identityRefs[0].kind", "not an identity kind")]
    [InlineData("kind: MeshTLSAuthentication\nmetadata: { name: m }\nspec: { other: 1 }", "spec.identities", "list identities or identityRefs")]
    [InlineData("kind: NetworkAuthentication\nmetadata: { name: n }\nspec: { networks: [ { cidr: 10.0.0.0/33 } ] }", "spec.networks[0].cidr", "not a CIDR")]
    [InlineData("kind: NetworkAuthentication\nmetadata: { name: n }\nspec: { networks: [ { cidr: 10.0.0.0/8, except: [ 192.168.0.0/16 ] } ] }", "spec.networks[0].except[0]", "not inside")]
    [InlineData("kind: Workload\nmetadata: { name: w, annotations: { config.linkerd.io/default-inbound-policy: allow-some } }\nspec: { command: x }", "metadata.annotations.config.linkerd.io/default-inbound-policy", "not one of")]
    public void Parse_InvalidPolicyField_ErrorNamesFieldAndReason(string body, string path, string reason)
    {
        var apiVersion = body.StartsWith("kind: Server", StringComparison.Ordinal) ? "policy.linkerd.io/v1beta3"
            : body.StartsWith("kind: Workload", StringComparison.Ordinal) ? "linnet.io/v1alpha1"
            : "policy.linkerd.io/v1alpha1";

        var result = ManifestParser.Parse($"apiVersion: {apiVersion}\n{body}\n", "bad.yaml");

        Assert.Empty(result.Resources);
        Assert.Contains(result.Errors, e => e.Path == path && e.Reason.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_ServerWithAlphaVersion_RejectedNamingVersions()
    {
        var result = ManifestParser.Parse("apiVersion: policy.linkerd.io/v1alpha1\nkind: Server\nmetadata: { name: s }\nspec: { podSelector: {}, port: 80 }\n", "old.yaml");

        var error = Assert.Single(result.Errors);
        Assert.Equal("apiVersion", error.Path);
        Assert.Contains("policy.linkerd.io/v1beta3", error.Reason, StringComparison.Ordinal);
    }
}
