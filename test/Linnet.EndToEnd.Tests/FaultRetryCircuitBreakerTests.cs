using Linnet.EndToEnd.Tests.Infrastructure;

namespace Linnet.EndToEnd.Tests;

/// <summary>Route filters and Service annotations applied with <c>linnet apply</c>, obeyed by the client's proxy
/// in front of two backend instances reached over mTLS: injected aborts (answered by the proxy, never retried),
/// a request timeout on a slow path, retries that hide a backend failing 20 % of requests, and a circuit
/// breaker that ejects a failing endpoint and readmits it once it recovers. Every count the proxy reports is
/// checked against what the client saw and what the backends counted.</summary>
public sealed class FaultRetryCircuitBreakerTests(ITestOutputHelper output)
{
    private const int RetryRequests = 2000;
    private const int FaultRequests = 1000;
    private const int SlowRequests = 10;
    private const string RouteName = "store-policy";

    // Both services select the same two instances: "store" carries the routes and a roomier retry budget
    // (the retries 20 % failures need, 25 % of requests, are above the default ratio of 0.2), "store-cb" a
    // quick circuit breaker.
    private const string Services = """
        apiVersion: v1
        kind: Service
        metadata:
          name: store
          annotations: { retry.linnet.io/budget-ratio: "0.5" }
        spec:
          selector: { app: store }
          ports: [ { port: 80, targetPort: 8080 } ]
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: store-cb
          annotations:
            balancer.linkerd.io/failure-accrual: consecutive
            balancer.linkerd.io/failure-accrual-consecutive-max-failures: "5"
            balancer.linkerd.io/failure-accrual-consecutive-min-penalty: 500ms
            balancer.linkerd.io/failure-accrual-consecutive-max-penalty: 2s
            balancer.linkerd.io/failure-accrual-consecutive-jitter-ratio: "0"
        spec:
          selector: { app: store }
          ports: [ { port: 80, targetPort: 8080 } ]

        """;

    private const string Routes = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: store-policy }
        spec:
          parentRefs: [ { name: store } ]
          rules:
            - matches: [ { path: { value: /fault } } ]
              backendRefs: [ { name: store } ]
              filters:
                - type: LinnetFaultInjection
                  faultInjection: { abort: { httpStatus: 503, percent: 30 } }
                - type: LinnetRetry
                  retry: { limit: 5, on: [5xx] }
            - matches: [ { path: { value: /slow } } ]
              backendRefs: [ { name: store } ]
              timeouts: { request: 500ms }
            - backendRefs: [ { name: store } ]
              filters:
                - type: LinnetRetry
                  retry: { limit: 5, on: [5xx] }

        """;

    [Fact]
    public async Task FaultsTimeoutsRetriesAndCircuitBreaking_ThroughMtlsProxies_ClientsSeeDocumentedStatusesAndMetricsAgree()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ct);
        await MeshClient.ApplyFileAsync(mesh, Manifests.Join(
            Services,
            TrafficApp.Workload("client", 1, "{ app: client }", "0", "client"),
            TrafficApp.Workload("store", 2, "{ app: store }", "1", "store", failPercent: 20),
            Routes), ct);
        var instances = (await mesh.WaitForInstancesAsync(3, ct)).ToDictionary(i => i.Name, i => i.Address);
        string[] stores = [instances["store-0"], instances["store-1"]];
        using var client = new MeshClient(instances["client-0"]);

        // Retries, faults and a timeout at once, on one route with three rules.
        var started = TimeProvider.System.GetTimestamp();
        var retried = client.BurstAsync("store", "/retry", RetryRequests, 6, ct);
        var faulted = client.BurstAsync("store", "/fault", FaultRequests, 3, ct);
        var slow = client.BurstAsync("store", "/slow?ms=20000", SlowRequests, SlowRequests, ct);
        await Task.WhenAll(retried, faulted, slow);
        output.WriteLine($"{RetryRequests + FaultRequests + SlowRequests} requests in {TimeProvider.System.GetElapsedTime(started).TotalSeconds:F1} s");

        var metrics = await client.MetricsAsync(ct);
        var attempts = 0L;
        var failedAttempts = 0L;
        foreach (var store in stores)
        {
            foreach (var segment in (string[])["/retry", "/fault"])
            {
                var (served, failed) = await client.CountsAsync(store, segment, ct);
                attempts += served + failed;
                failedAttempts += failed;
            }
        }

        output.WriteLine($"backends: {attempts} attempts, {failedAttempts} failed\n{metrics.Lines("outbound_http_route_request_statuses_total")}\n{metrics.Lines("outbound_http_route_retry_requests_total")}");

        // Retries turn 20 % failures into at least 99.9 % success (with 5 retries, a request fails with odds 0.2⁶).
        var retryReplies = await retried;
        var retryOk = retryReplies.Count(r => r.Ok);
        Assert.True(retryOk >= RetryRequests * 999 / 1000, $"{retryOk} of {RetryRequests} succeeded:\n{string.Join('\n', retryReplies.Where(r => !r.Ok).Take(20))}");
        Assert.InRange(failedAttempts, attempts * 15 / 100, attempts * 25 / 100);

        // Injected aborts: answered by the client's proxy with the documented status and header, and never
        // retried (an injected fault is the proxy's own answer, not a backend's); every other request succeeds.
        var faultReplies = await faulted;
        var aborts = faultReplies.Count(r => r.Status == 503);
        Assert.All(faultReplies.Where(r => r.Status == 503), r => Assert.Equal("fault injected", r.ProxyError));
        Assert.Equal(FaultRequests, aborts + faultReplies.Count(r => r.Ok));
        Assert.InRange(aborts, FaultRequests * 24 / 100, FaultRequests * 36 / 100);
        Assert.Equal(aborts, metrics.Sum("outbound_http_route_faults_total", $"route_name={RouteName}", "route_namespace=default", "fault=abort"));
        Assert.Equal(aborts, metrics.Sum("outbound_http_route_request_statuses_total", $"route_name={RouteName}", "route_namespace=default", "http_status=503", "error=FAULT"));

        // The request timeout: 504 from the proxy long before the backend's 20 s, counted as a request timeout.
        var slowReplies = await slow;
        Assert.All(slowReplies, r =>
        {
            Assert.Equal(504, r.Status);
            Assert.Equal("request timed out", r.ProxyError);
            Assert.True(r.Elapsed < TimeSpan.FromSeconds(10), $"answered after {r.Elapsed}");
        });
        Assert.Equal(SlowRequests, metrics.Sum("outbound_http_route_timeouts_total", $"route_name={RouteName}", "route_namespace=default", "timeout=request"));
        Assert.Equal(SlowRequests, metrics.Sum("outbound_http_route_request_statuses_total", $"route_name={RouteName}", "route_namespace=default", "http_status=504", "error=REQUEST_TIMEOUT"));

        // One account: the backends saw each request that was not aborted once, plus every retry; the proxy's
        // attempts are those plus the slow requests' single attempts; nothing was refused for want of budget.
        var retries = metrics.Sum("outbound_http_route_retry_requests_total", $"route_name={RouteName}", "route_namespace=default");
        Assert.Equal(RetryRequests + FaultRequests - aborts + retries, attempts);
        Assert.Equal(attempts + SlowRequests, metrics.Sum("outbound_http_route_backend_requests_total", $"route_name={RouteName}", "route_namespace=default", "backend_name=store*"));
        Assert.Equal(0, metrics.Sum("outbound_http_route_retry_overflow_total", $"route_name={RouteName}", "route_namespace=default"));
        Assert.Equal(RetryRequests - retryOk, metrics.Sum("outbound_http_route_retry_limit_exceeded_total", $"route_name={RouteName}", "route_namespace=default"));

        // Circuit breaking: store-1 fails every request; after five in a row it is ejected and the healthy
        // store-0 takes the traffic, save the single probation requests that find it still failing.
        await client.SetFailPercentAsync(stores[0], 0, ct);
        await client.SetFailPercentAsync(stores[1], 100, ct);
        var failing = stores[1];
        long Ejections(PromText m) => m.Sum("outbound_http_balancer_endpoint_ejections_total", "backend_name=store-cb*", $"endpoint={failing}:*");
        // Concurrent bursts: the balancer weighs latency and pending requests, so a lone caller could keep
        // picking the endpoint it found faster; with several in flight both endpoints are picked.
        var seen = new List<Reply>();
        PromText? last = null;
        await Eventually.UntilAsync(
            async () =>
            {
                seen.AddRange(await client.BurstAsync("store-cb", "/cb", 32, 8, ct));
                return seen.Count(r => r.Status == 500) >= 5 && Ejections(last = await client.MetricsAsync(ct)) >= 1;
            },
            TimeSpan.FromSeconds(30),
            "store-1 ejected",
            ct,
            () => $"{seen.Count(r => r.Status == 500)} of {seen.Count} failed; the last:\n{string.Join('\n', seen.TakeLast(10))}\n{last?.Lines("outbound_http_balancer_endpoint_ejections_total")}");
        Assert.All(seen.Where(r => r.Status == 500), r => Assert.StartsWith("failed store-1 ", r.Body, StringComparison.Ordinal));

        var before = Ejections(await client.MetricsAsync(ct));
        var whileEjected = new List<Reply>();
        for (var i = 0; i < 100; i++)
        {
            whileEjected.Add(await client.GetAsync("store-cb", "/cb", ct));
        }

        var probations = Ejections(await client.MetricsAsync(ct)) - before;
        var toFailing = whileEjected.Count(r => !r.Ok);
        output.WriteLine($"while ejected: {toFailing} of 100 requests reached store-1 (probations that failed: {probations})");
        Assert.All(whileEjected.Where(r => !r.Ok), r => Assert.StartsWith("failed store-1 ", r.Body, StringComparison.Ordinal));
        Assert.True(toFailing <= probations, $"{toFailing} requests reached the ejected endpoint; {probations} probations");
        Assert.All(whileEjected.Where(r => r.Ok), r => Assert.Equal("store-0", r.Instance));

        // Recovered: the next probation succeeds and store-1 is back in balancing.
        await client.SetFailPercentAsync(failing, 0, ct);
        var readmitted = new List<Reply>();
        await Eventually.UntilAsync(
            async () =>
            {
                readmitted.AddRange(await client.BurstAsync("store-cb", "/cb", 32, 8, ct));
                return readmitted.Any(r => r.Instance == "store-1" && r.Ok);
            },
            TimeSpan.FromSeconds(20),
            "store-1 readmitted",
            ct,
            () => string.Join('\n', readmitted.TakeLast(20)));
        Assert.All(readmitted, r => Assert.True(r.Ok, r.ToString()));
        var ejectionsAtReadmission = Ejections(await client.MetricsAsync(ct));
        var afterward = await client.BurstAsync("store-cb", "/cb", 200, 8, ct);
        Assert.All(afterward, r => Assert.True(r.Ok, r.ToString()));
        var share = afterward.Count(r => r.Instance == "store-1");
        output.WriteLine($"after readmission: store-1 served {share} of {afterward.Count}");
        Assert.True(share > 0, "store-1 is not back in balancing");
        Assert.Equal(ejectionsAtReadmission, Ejections(await client.MetricsAsync(ct)));
        await mesh.DownAsync(ct);
    }
}
