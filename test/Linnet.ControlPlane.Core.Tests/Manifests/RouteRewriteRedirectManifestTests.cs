using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;

namespace Linnet.ControlPlane.Core.Tests.Manifests;

/// <summary>HTTPRoute <c>hostnames</c>, <c>URLRewrite</c> and <c>RequestRedirect</c> as Gateway API defines them
/// (apis/v1/httproute_types.go: field enums and the HTTPRouteRule CEL validations), and Linkerd's
/// <c>policy.linkerd.io</c> HTTPRoute versions (charts/linkerd-crds/templates/policy/httproute.yaml).</summary>
public sealed class RouteRewriteRedirectManifestTests
{
    public const string Route = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: web, namespace: shop }
        spec:
          parentRefs: [ { name: web, port: 80 } ]
          hostnames: [ web.shop.svc.cluster.local, "*.example.com" ]
          rules:
            - matches: [ { path: { type: PathPrefix, value: /old } } ]
              filters:
                - type: RequestRedirect
                  requestRedirect: { scheme: https, hostname: new.example.com, port: 8443, statusCode: 301, path: { type: ReplacePrefixMatch, replacePrefixMatch: /new } }
            - matches: [ { path: { type: PathPrefix, value: /api } } ]
              filters:
                - type: URLRewrite
                  urlRewrite: { hostname: api.internal, path: { type: ReplacePrefixMatch, replacePrefixMatch: / } }
              backendRefs: [ { name: api, port: 80 } ]
            - matches: [ { path: { type: Exact, value: /x } } ]
              filters:
                - type: URLRewrite
                  urlRewrite: { path: { type: ReplaceFullPath, replaceFullPath: /y } }
              backendRefs: [ { name: web-v1, port: 80 } ]
            - filters: [ { type: RequestRedirect, requestRedirect: {} } ]
        """;

    public static TheoryData<string, string, string> Invalid => new()
    {
        { Spec("hostnames: [ \"10.0.0.1\" ]\n  rules: [ { backendRefs: [ { name: a } ] } ]"), "spec.hostnames[0]", "'10.0.0.1' is not a host name: lower-case RFC 1123 labels, optionally '*.' first (for example web.shop.svc.cluster.local or *.example.com); IP addresses are not allowed" },
        { Spec("hostnames: [ \"foo.*.com\" ]\n  rules: [ { backendRefs: [ { name: a } ] } ]"), "spec.hostnames[0]", "'foo.*.com' is not a host name: lower-case RFC 1123 labels, optionally '*.' first (for example web.shop.svc.cluster.local or *.example.com); IP addresses are not allowed" },
        { Spec("hostnames: [ Web.Example.com ]\n  rules: [ { backendRefs: [ { name: a } ] } ]"), "spec.hostnames[0]", "'Web.Example.com' is not a host name: lower-case RFC 1123 labels, optionally '*.' first (for example web.shop.svc.cluster.local or *.example.com); IP addresses are not allowed" },
        { Spec("hostnames: [ a.com, a.com ]\n  rules: [ { backendRefs: [ { name: a } ] } ]"), "spec.hostnames[1]", "'a.com' is listed twice" },
        { Rule("filters: [ { type: RequestRedirect, requestRedirect: { statusCode: 304 } } ]"), "spec.rules[0].filters[0].requestRedirect.statusCode", "304 is not one of: 301, 302, 303, 307, 308" },
        { Rule("filters: [ { type: RequestRedirect, requestRedirect: { scheme: ftp } } ]"), "spec.rules[0].filters[0].requestRedirect.scheme", "'ftp' is not one of: http, https" },
        { Rule("filters: [ { type: RequestRedirect, requestRedirect: { port: 70000 } } ]"), "spec.rules[0].filters[0].requestRedirect.port", "70000 is out of range 1..65535" },
        { Rule("filters: [ { type: RequestRedirect, requestRedirect: { hostname: \"*.example.com\" } } ]"), "spec.rules[0].filters[0].requestRedirect.hostname", "'*.example.com' is not a host name: lower-case RFC 1123 labels such as web.example.com, no wildcard, no IP address" },
        { Rule("filters: [ { type: RequestRedirect, requestRedirect: { statusCode: 301 } } ]\n      backendRefs: [ { name: a } ]"), "spec.rules[0].backendRefs", "must be empty: a rule with a RequestRedirect filter answers the redirect itself and forwards nothing" },
        { Rule("filters: [ { type: RequestRedirect, requestRedirect: {} }, { type: URLRewrite, urlRewrite: { hostname: a.b } } ]"), "spec.rules[0].filters", "RequestRedirect and URLRewrite cannot be used in the same rule" },
        { Rule("matches: [ { path: { type: Exact, value: /a } } ]\n      filters: [ { type: URLRewrite, urlRewrite: { path: { type: ReplacePrefixMatch, replacePrefixMatch: /b } } } ]\n      backendRefs: [ { name: a } ]"), "spec.rules[0].matches", "a ReplacePrefixMatch path modifier needs exactly one PathPrefix match in the rule: it replaces that prefix" },
        { Rule("matches: [ { path: { value: /a } }, { path: { value: /b } } ]\n      filters: [ { type: RequestRedirect, requestRedirect: { path: { type: ReplacePrefixMatch, replacePrefixMatch: /c } } } ]"), "spec.rules[0].matches", "a ReplacePrefixMatch path modifier needs exactly one PathPrefix match in the rule: it replaces that prefix" },
        { Rule("filters: [ { type: URLRewrite, urlRewrite: { path: { type: ReplaceFullPath } } } ]\n      backendRefs: [ { name: a } ]"), "spec.rules[0].filters[0].urlRewrite.path.replaceFullPath", "must be specified when type is set to 'ReplaceFullPath'" },
        { Rule("filters: [ { type: URLRewrite, urlRewrite: { path: { type: ReplaceFullPath, replaceFullPath: /a, replacePrefixMatch: /b } } } ]\n      backendRefs: [ { name: a } ]"), "spec.rules[0].filters[0].urlRewrite.path.replacePrefixMatch", "type must be 'ReplacePrefixMatch' when replacePrefixMatch is set" },
        { Rule("filters: [ { type: URLRewrite, urlRewrite: { path: { type: ReplaceSuffix, replaceFullPath: /a } } } ]\n      backendRefs: [ { name: a } ]"), "spec.rules[0].filters[0].urlRewrite.path.type", "'ReplaceSuffix' is not one of: ReplaceFullPath, ReplacePrefixMatch" },
        { Rule("filters: [ { type: URLRewrite, urlRewrite: { path: { type: ReplaceFullPath, replaceFullPath: \"a b\" } } } ]\n      backendRefs: [ { name: a } ]"), "spec.rules[0].filters[0].urlRewrite.path.replaceFullPath", "'a b' is not an absolute path: it must start with '/' and have no spaces, control characters, '?' or '#'" },
        { Rule("filters: [ { type: URLRewrite, urlRewrite: { port: 80 } } ]\n      backendRefs: [ { name: a } ]"), "spec.rules[0].filters[0].urlRewrite.port", "unknown field (known: hostname, path)" },
        { Rule("filters: [ { type: URLRewrite } ]\n      backendRefs: [ { name: a } ]"), "spec.rules[0].filters[0].urlRewrite", "is required for type URLRewrite" },
        { Linkerd("v1beta3", "filters: [ { type: URLRewrite, urlRewrite: { hostname: a.b } } ]\n      backendRefs: [ { name: a } ]"), "spec.rules[0].filters[0].type", "'URLRewrite' is not supported in policy.linkerd.io/v1beta3 HTTPRoute (Linkerd's CRD; use gateway.networking.k8s.io/v1 for the others) (supported: RequestHeaderModifier, ResponseHeaderModifier, RequestRedirect)" },
        { Linkerd("v1beta2", "timeouts: { request: 1s }\n      backendRefs: [ { name: a } ]"), "spec.rules[0].timeouts", "is not part of policy.linkerd.io/v1beta2 HTTPRoute (Linkerd added it in policy.linkerd.io/v1beta3; Gateway API has it in gateway.networking.k8s.io/v1)" },
        {
            Rule("backendRefs: [ { name: a } ]").Replace("gateway.networking.k8s.io/v1", "policy.linkerd.io/v1", StringComparison.Ordinal), "apiVersion",
            "'policy.linkerd.io/v1' is not a version of HTTPRoute Linnet accepts (accepted: gateway.networking.k8s.io/v1, gateway.networking.k8s.io/v1beta1, policy.linkerd.io/v1beta3, policy.linkerd.io/v1beta2, policy.linkerd.io/v1beta1, policy.linkerd.io/v1alpha1)"
        },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Parse_InvalidHostnameRewriteRedirect_RejectedWithPathAndReason(string yaml, string path, string reason)
    {
        var result = ManifestParser.Parse(yaml, "bad.yaml");

        Assert.Empty(result.Resources);
        var error = Assert.Single(result.Errors);
        Assert.Equal((path, reason), (error.Path, error.Reason));
    }

    [Fact]
    public void Parse_RouteWithHostnamesRewriteRedirect_ReadsEveryField()
    {
        var route = (HttpRouteResource)Assert.Single(Parsed(Route));

        Assert.Equal(["web.shop.svc.cluster.local", "*.example.com"], route.Spec.Hostnames);
        Assert.Equal(new RequestRedirect("https", "new.example.com", new HttpPathModifier("ReplacePrefixMatch", "/new"), 8443, 301), route.Spec.Rules[0].Filters.RequestRedirect);
        Assert.Empty(route.Spec.Rules[0].BackendRefs);
        Assert.Equal(new UrlRewrite("api.internal", new HttpPathModifier("ReplacePrefixMatch", "/")), route.Spec.Rules[1].Filters.UrlRewrite);
        Assert.Equal(new UrlRewrite(null, new HttpPathModifier("ReplaceFullPath", "/y")), route.Spec.Rules[2].Filters.UrlRewrite);

        // statusCode defaults to 302 (+kubebuilder:default=302).
        Assert.Equal(new RequestRedirect(null, null, null, null, 302), route.Spec.Rules[3].Filters.RequestRedirect);
    }

    [Theory]
    [InlineData("policy.linkerd.io/v1alpha1", false)]
    [InlineData("policy.linkerd.io/v1beta1", false)]
    [InlineData("policy.linkerd.io/v1beta2", false)]
    [InlineData("policy.linkerd.io/v1beta3", true)]
    [InlineData("gateway.networking.k8s.io/v1beta1", true)]
    public void Parse_LinkerdAndOlderGatewayVersions_AcceptedAsTheSameRoute(string apiVersion, bool timeouts)
    {
        var yaml = $$"""
            apiVersion: {{apiVersion}}
            kind: HTTPRoute
            metadata: { name: smiley-a-b, namespace: faces }
            spec:
              parentRefs: [ { name: smiley, kind: Service, group: core, port: 80 } ]
              hostnames: [ smiley.faces ]
              rules:
                - matches: [ { headers: [ { name: x-faces-user, value: testuser } ] } ]
                  filters:
                    - type: RequestHeaderModifier
                      requestHeaderModifier: { set: [ { name: x-a, value: b } ] }
                  backendRefs: [ { name: smiley2, port: 80 } ]
                  {{(timeouts ? "timeouts: { request: 2s }" : "")}}
                - matches: [ { path: { value: /old } } ]
                  filters: [ { type: RequestRedirect, requestRedirect: { path: { type: ReplaceFullPath, replaceFullPath: /new } } } ]
                - backendRefs: [ { name: smiley, port: 80 } ]
            """;

        var route = (HttpRouteResource)Assert.Single(Parsed(yaml));

        Assert.Equal(3, route.Spec.Rules.Count);
        Assert.Equal(["smiley.faces"], route.Spec.Hostnames);
        Assert.Equal(timeouts ? TimeSpan.FromSeconds(2) : null, route.Spec.Rules[0].Timeouts?.Request);
        Assert.Equal(new HttpPathModifier("ReplaceFullPath", "/new"), route.Spec.Rules[1].Filters.RequestRedirect?.Path);
    }

    [Fact]
    public async Task ToJsonLine_HostnamesRewriteRedirect_ParseBackEqual()
    {
        using var store = new InMemoryResourceStore();
        var committed = await store.CommitAsync(Parsed(Route).Select(r => (StoreChange)new PutChange(r)).ToList(), TestContext.Current.CancellationToken);
        var stored = Assert.Single(committed.Results)!;

        var line = ResourceWriter.ToJsonLine(stored);
        var reread = Assert.Single(ManifestParser.Parse(line, "store", ManifestOrigin.Store).Resources);

        Assert.True(stored.ContentEquals(reread), line);
        Assert.False(stored.SpecEquals(Assert.Single(Parsed(Route.Replace("*.example.com", "*.example.org", StringComparison.Ordinal)))));
        Assert.False(stored.SpecEquals(Assert.Single(Parsed(Route.Replace("statusCode: 301", "statusCode: 308", StringComparison.Ordinal)))));
    }

    [Fact]
    public async Task ToJsonLine_RouteWithComputedStatus_ParseBackEqual()
    {
        using var store = new InMemoryResourceStore();
        var committed = await store.CommitAsync(Parsed(Route).Select(r => (StoreChange)new PutChange(r)).ToList(), TestContext.Current.CancellationToken);
        var route = (HttpRouteResource)Assert.Single(committed.Results)!;
        var status = Linnet.ControlPlane.Core.Reconciliation.RouteStatusCalculator.Compute(store.Snapshot(), route, DateTimeOffset.FromUnixTimeMilliseconds(1_764_806_400_123));
        var withStatus = route with { Status = status };

        var reread = Assert.Single(ManifestParser.Parse(ResourceWriter.ToJsonLine(withStatus), "store", ManifestOrigin.Store).Resources);

        Assert.True(withStatus.ContentEquals(reread));
        Assert.Equal(["Accepted False NoMatchingParent", "ResolvedRefs False BackendNotFound"], status.Parents.Single().Conditions.Select(c => $"{c.Type} {c.Status} {c.Reason}"));

        // Computed again over an unchanged snapshot later: equal, transition times kept, nothing to write.
        Assert.Equal(status, Linnet.ControlPlane.Core.Reconciliation.RouteStatusCalculator.Compute(store.Snapshot(), withStatus, DateTimeOffset.FromUnixTimeSeconds(1_900_000_000)));
    }

    private static IReadOnlyList<Resource> Parsed(string yaml)
    {
        var result = ManifestParser.Parse(yaml, "in.yaml");
        Assert.Empty(result.Errors);
        return result.Resources;
    }

    private static string Spec(string rest) =>
        $"apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{ name: web }}\nspec:\n  parentRefs: [ {{ name: web }} ]\n  {rest}\n";

    private static string Rule(string rule) => Spec($"rules:\n    - {rule}");

    private static string Linkerd(string version, string rule) => Rule(rule).Replace("gateway.networking.k8s.io/v1", $"policy.linkerd.io/{version}", StringComparison.Ordinal);
}
