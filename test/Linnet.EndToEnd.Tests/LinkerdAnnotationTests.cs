using Linnet.EndToEnd.Tests.Infrastructure;

namespace Linnet.EndToEnd.Tests;

/// <summary>Linkerd's <c>retry.linkerd.io/*</c> and <c>timeout.linkerd.io/*</c> annotations as Linkerd users write
/// them, applied with <c>linnet apply</c> and obeyed by the client's proxy in front of two backend instances that fail
/// 20 % of requests (Linkerd's "Retries" and "Timeouts" references): on a Service with no route they apply to all its
/// traffic; on a route, a retry annotation overrides all of the Service's retry annotations while the Service's
/// timeout still applies. Each Service selects the same instances, so the only difference between them is the
/// annotations: "plain" has none and shows what the others would see without them.</summary>
public sealed class LinkerdAnnotationTests(ITestOutputHelper output)
{
    private const int Requests = 400;

    // The retry budget is raised on the retrying Services (Linnet's own annotation): 20 % failures need retries
    // for 25 % of requests, above Linkerd's default ratio of 0.2.
    private const string Services = """
        apiVersion: v1
        kind: Service
        metadata: { name: plain }
        spec:
          selector: { app: store }
          ports: [ { port: 80, targetPort: 8080 } ]
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: retried
          annotations:
            retry.linkerd.io/http: 5xx
            retry.linkerd.io/limit: "5"
            timeout.linkerd.io/request: 3s
            retry.linnet.io/budget-ratio: "0.5"
        spec:
          selector: { app: store }
          ports: [ { port: 80, targetPort: 8080 } ]
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: routed
          annotations:
            retry.linkerd.io/http: 5xx
            retry.linkerd.io/limit: "5"
            timeout.linkerd.io/request: 3s
            retry.linnet.io/budget-ratio: "0.5"
        spec:
          selector: { app: store }
          ports: [ { port: 80, targetPort: 8080 } ]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: routed
          annotations: { retry.linkerd.io/http: "429" }
        spec:
          parentRefs: [ { name: routed } ]
          rules:
            - backendRefs: [ { name: routed } ]

        """;

    [Fact]
    public async Task ServiceAndRouteAnnotations_ThroughMtlsProxies_RetriesAndTimeoutsAsLinkerdDefinesThem()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ct);
        await MeshClient.ApplyFileAsync(mesh, Manifests.Join(
            Services,
            TrafficApp.Workload("client", 1, "{ app: client }", "0", "client"),
            TrafficApp.Workload("store", 2, "{ app: store }", "1", "store", failPercent: 20)), ct);
        var instances = (await mesh.WaitForInstancesAsync(3, ct)).ToDictionary(i => i.Name, i => i.Address);
        using var client = new MeshClient(instances["client-0"]);

        var plain = await client.BurstAsync("plain", "/plain", Requests, 4, ct);
        var retried = await client.BurstAsync("retried", "/retried", Requests, 4, ct);
        var routed = await client.BurstAsync("routed", "/routed", Requests, 4, ct);
        var slow = await client.BurstAsync("retried", "/slow?ms=20000", 4, 4, ct);
        var slowRouted = await client.BurstAsync("routed", "/slow?ms=20000", 4, 4, ct);
        string Failures(List<Reply> replies) => $"{replies.Count(r => !r.Ok)} of {replies.Count} failed";
        output.WriteLine($"plain: {Failures(plain)}; retried: {Failures(retried)}; routed: {Failures(routed)}");

        // Without annotations about a fifth fail; with the Service's (5 retries on 5xx) a request fails only if six
        // attempts in a row do (0.2⁶): at most a few in a thousand.
        Assert.InRange(plain.Count(r => !r.Ok), Requests * 10 / 100, Requests * 30 / 100);
        Assert.True(retried.Count(r => r.Ok) >= Requests * 995 / 1000, Failures(retried) + "\n" + string.Join('\n', retried.Where(r => !r.Ok).Take(10)));

        // The route's own retry annotation (429 only) overrides the Service's retry annotations: 500s are not retried.
        Assert.InRange(routed.Count(r => !r.Ok), Requests * 10 / 100, Requests * 30 / 100);

        // The Service's request timeout holds with and without a route: 504 from the proxy, long before the 20 s.
        Assert.All(slow.Concat(slowRouted), r =>
        {
            Assert.Equal(504, r.Status);
            Assert.Equal("request timed out", r.ProxyError);
            Assert.True(r.Elapsed < TimeSpan.FromSeconds(10), $"answered after {r.Elapsed}");
        });

        // The proxy's own account: the Service's traffic went through Linkerd's default route, which retried; the
        // route retried nothing (no 429s).
        var metrics = await client.MetricsAsync(ct);
        output.WriteLine(metrics.Lines("outbound_http_route_retry_requests_total"));
        Assert.True(metrics.Sum("outbound_http_route_retry_requests_total", "parent_name=retried", "route_name=default") >= Requests / 10, metrics.Lines("outbound_http_route_retry_requests_total"));
        Assert.Equal(0, metrics.Sum("outbound_http_route_retry_requests_total", "parent_name=routed", "route_name=routed"));
        Assert.Equal(4, metrics.Sum("outbound_http_route_timeouts_total", "parent_name=retried", "route_name=default", "timeout=request"));
        Assert.Equal(4, metrics.Sum("outbound_http_route_timeouts_total", "parent_name=routed", "route_name=routed", "timeout=request"));
        await mesh.DownAsync(ct);
    }
}
