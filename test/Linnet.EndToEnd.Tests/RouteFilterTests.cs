using System.Net;
using Linnet.EndToEnd.Tests.Infrastructure;

namespace Linnet.EndToEnd.Tests;

/// <summary>Routes as users bring them — Gateway API <c>hostnames</c>, <c>URLRewrite</c>, <c>RequestRedirect</c>, and a
/// Linkerd <c>policy.linkerd.io/v1beta3</c> HTTPRoute — applied to the real control plane and obeyed by a real
/// proxy in front of real backends.</summary>
public sealed class RouteFilterTests(ITestOutputHelper output)
{
    private const string Routes = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: by-fqdn }
        spec:
          parentRefs: [ { name: backend, port: 80 } ]
          hostnames: [ backend.default.svc.cluster.local ]
          rules:
            - backendRefs: [ { name: backend-v2 } ]
        ---
        apiVersion: policy.linkerd.io/v1beta3
        kind: HTTPRoute
        metadata: { name: linkerd-style }
        spec:
          parentRefs: [ { name: backend, kind: Service, group: core, port: 80 } ]
          rules:
            - matches: [ { path: { value: /old } } ]
              filters:
                - type: RequestRedirect
                  requestRedirect: { scheme: https, statusCode: 301, path: { type: ReplacePrefixMatch, replacePrefixMatch: /new } }
            - backendRefs: [ { name: backend-v1, port: 80 } ]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: api-rewrite }
        spec:
          parentRefs: [ { name: backend } ]
          hostnames: [ backend ]
          rules:
            - matches: [ { path: { type: PathPrefix, value: /api } } ]
              filters:
                - type: URLRewrite
                  urlRewrite: { hostname: api.internal, path: { type: ReplacePrefixMatch, replacePrefixMatch: / } }
              backendRefs: [ { name: backend-v2 } ]

        """;

    [Fact]
    public async Task HostnamesRewriteRedirect_AppliedThroughControlPlane_ProxyObeysGatewayApi()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ct);
        await mesh.ApplyAsync(Manifests.Join(
            Manifests.Service("backend", "{ app: backend }"),
            Manifests.Service("backend-v1", "{ app: backend, version: v1 }"),
            Manifests.Service("backend-v2", "{ app: backend, version: v2 }"),
            TrafficApp.Workload("backend-v1", 1, "{ app: backend, version: v1 }", "1", "backend"),
            TrafficApp.Workload("backend-v2", 1, "{ app: backend, version: v2 }", "2", "backend"),
            Routes), ct);
        var proxy = (await mesh.WaitForInstancesAsync(2, ct))[0].Address;
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(10) };
        (string Host, string Target, string Expected)[] cases =
        [
            // The route for the FQDN only.
            ("backend.default.svc.cluster.local", "/x", "200 v2 /x backend.default.svc.cluster.local"),
            ("backend.default.svc.cluster.local:80", "/api/a", "200 v2 /api/a backend.default.svc.cluster.local:80"),

            // "backend" (more specific than no hostnames): /api rewritten, prefix replaced by "/", Host replaced, query kept.
            ("backend", "/api/items?q=1", "200 v2 /items?q=1 api.internal"),
            ("backend", "/api", "200 v2 / api.internal"),

            // Not /api, or another host: the Linkerd route.
            ("backend", "/apis", "200 v1 /apis backend"),
            ("backend.default", "/api/items", "200 v1 /api/items backend.default"),
            ("backend", "/old/a/b?z=9", "301 https://backend/new/a/b?z=9"),
        ];

        var actual = new List<string>();
        foreach (var (host, target, _) in cases)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://{proxy}:4140{target}"));
            request.Headers.Host = host;
            using var response = await http.SendAsync(request, ct);
            var body = (await response.Content.ReadAsStringAsync(ct)).Trim().Split(' ');
            actual.Add(response.StatusCode == HttpStatusCode.MovedPermanently
                ? $"301 {response.Headers.Location?.OriginalString}"
                : $"{(int)response.StatusCode} {body[^1]} {Header(response, "x-e2e-path")} {Header(response, "x-e2e-host")}");
        }

        Assert.Equal(cases.Select(c => c.Expected), actual);
    }

    // Linkerd's annotations on the route, then the same route without them: the difference is theirs.
    private const string AnnotatedRoute = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: store
          annotations:
            retry.linkerd.io/http: "500-504"
            retry.linkerd.io/limit: "2"
            timeout.linkerd.io/request: 400ms
        spec:
          parentRefs: [ { name: store } ]
          rules:
            - backendRefs: [ { name: store } ]

        """;

    private const string PlainRoute = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: store }
        spec:
          parentRefs: [ { name: store } ]
          rules:
            - backendRefs: [ { name: store } ]

        """;

    [Fact]
    public async Task LinkerdRetryAndTimeoutAnnotations_OnTheRoute_RetriedAndTimedOutByTheProxy()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ct);
        await mesh.ApplyAsync(Manifests.Join(
            TrafficApp.Service("store", "{ app: store }"),
            TrafficApp.Workload("client", 1, "{ app: client }", "0", "client"),
            TrafficApp.Workload("store", 1, "{ app: store }", "1", "store", failPercent: 100),
            AnnotatedRoute), ct);
        var instances = (await mesh.WaitForInstancesAsync(2, ct)).ToDictionary(i => i.Name, i => i.Address);
        using var client = new MeshClient(instances["client-0"]);
        var store = instances["store-0"];

        // Every attempt fails with 500: each request is tried 1 + limit (2) times; a slow one is cut at 400 ms.
        var retried = await client.BurstAsync("store", "/annotated", 5, 1, ct);
        var slow = await client.GetAsync("store", "/slow?ms=5000", ct);

        Assert.All(retried, r => Assert.Equal(500, r.Status));
        Assert.Equal((0L, 15L), await client.CountsAsync(store, "/annotated", ct));
        Assert.Equal((504, "request timed out"), (slow.Status, slow.ProxyError));

        // Without the annotations: one attempt per request, and the slow request waits for the backend.
        var revision = await mesh.ApplyAsync(PlainRoute, ct);
        await mesh.WaitForConfigAsync([instances["client-0"]], revision, TimeSpan.FromSeconds(30), ct);
        var plain = await client.BurstAsync("store", "/plain", 5, 1, ct);
        var waited = await client.GetAsync("store", "/slow?ms=1000", ct);

        Assert.All(plain, r => Assert.Equal(500, r.Status));
        Assert.Equal((0L, 5L), await client.CountsAsync(store, "/plain", ct));
        Assert.Equal((500, null), (waited.Status, waited.ProxyError));
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : "-";
}
