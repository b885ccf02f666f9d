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

    [Fact]
    public async Task IdleTimeoutAnnotation_ThroughMtlsProxies_CutsOnlyStreamsThatGoQuiet()
    {
        // Linkerd's "Timeouts" reference: timeout.linkerd.io/idle is "the maximum amount of time a stream may be idle,
        // regardless of its state". A slow stream that keeps moving is not idle; one that stops is cut, before its
        // response head (504 from the client's proxy) or after it (the stream is reset, so the client cannot take the
        // cut-off body for a complete one). The route's own annotation applies; the Service without it waits.
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ct);
        await MeshClient.ApplyFileAsync(mesh, Manifests.Join(
            TrafficApp.Service("patient", "{ app: store }"),
            TrafficApp.Service("quick", "{ app: store }"),
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata:
              name: quick
              annotations: { timeout.linkerd.io/idle: 2s }
            spec:
              parentRefs: [ { name: quick } ]
              rules:
                - backendRefs: [ { name: quick } ]

            """,
            TrafficApp.Workload("client", 1, "{ app: client }", "0", "client"),
            TrafficApp.Workload("store", 1, "{ app: store }", "1", "store")), ct);
        var instances = (await mesh.WaitForInstancesAsync(2, ct)).ToDictionary(i => i.Name, i => i.Address);
        using var client = new MeshClient(instances["client-0"]);

        // 10 lines 300 ms apart: 2.7 s in all, longer than the idle timeout, never quiet for as long.
        var drip = await client.GetAsync("quick", "/drip?chunks=10&ms=300", ct);
        Assert.Equal(200, drip.Status);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"chunk {i}"), drip.Body.Split('\n'));
        Assert.True(drip.Elapsed > TimeSpan.FromSeconds(2), $"the drip took only {drip.Elapsed}");

        // No head for 20 s: the client's proxy answers 504 once the stream has been quiet for 2 s.
        var slow = await client.GetAsync("quick", "/slow?ms=20000", ct);
        Assert.Equal(504, slow.Status);
        Assert.Equal("stream idle timeout", slow.ProxyError);
        Assert.InRange(slow.Elapsed, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(15));

        // The head and a line, then 20 s of nothing: the head arrives (200), the body is cut.
        var started = TimeProvider.System.GetTimestamp();
        using (var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://{client.ClientAddress}:4140/stall?ms=20000")))
        {
            request.Headers.Host = "quick";
            using var response = await client.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            Assert.Equal(200, (int)response.StatusCode);
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => response.Content.ReadAsStringAsync(ct));
        }

        Assert.InRange(TimeProvider.System.GetElapsedTime(started), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(15));

        // Without the annotation the same quiet stream is served to its end.
        var patient = await client.GetAsync("patient", "/slow?ms=3000", ct);
        Assert.Equal(200, patient.Status);

        var metrics = await client.MetricsAsync(ct);
        output.WriteLine(metrics.Lines("outbound_http_route_timeouts_total"));
        Assert.Equal(2, metrics.Sum("outbound_http_route_timeouts_total", "parent_name=quick", "route_name=quick", "timeout=idle"));
        Assert.Equal(0, metrics.Sum("outbound_http_route_request_statuses_total", "parent_name=quick", "error=UNEXPECTED"));
        await mesh.DownAsync(ct);
    }
}
