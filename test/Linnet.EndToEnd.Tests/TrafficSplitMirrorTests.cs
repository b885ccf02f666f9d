using Linnet.EndToEnd.Tests.Infrastructure;

namespace Linnet.EndToEnd.Tests;

/// <summary>A user's manifests, applied with <c>linnet apply</c>, through the real control plane to real proxies
/// that talk mTLS to each other: a 90/10 HTTPRoute split with a 25 % RequestMirror. The client's shares, what
/// each backend counted and the client proxy's per-route metrics agree; stopping the mirror workload changes
/// nothing for the client.</summary>
public sealed class TrafficSplitMirrorTests(ITestOutputHelper output)
{
    private const int Requests = 2000;
    private const int AfterMirrorStopped = 300;
    private const int Concurrency = 8;
    private const string RouteName = "backend-split";

    private const string Split = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: backend-split }
        spec:
          parentRefs: [ { name: backend } ]
          rules:
            - backendRefs: [ { name: backend-v1, weight: 90 }, { name: backend-v2, weight: 10 } ]
              filters:
                - type: RequestMirror
                  requestMirror: { backendRef: { name: backend-shadow }, percent: 25 }

        """;

    [Fact]
    public async Task Split90To10WithMirror_ThroughMtlsProxies_SharesCountsAndMetricsAgree_StoppedMirrorChangesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ct);
        await MeshClient.ApplyFileAsync(mesh, Manifests.Join(
            TrafficApp.Service("backend", "{ app: backend }"),
            TrafficApp.Service("backend-v1", "{ app: backend, version: v1 }"),
            TrafficApp.Service("backend-v2", "{ app: backend, version: v2 }"),
            TrafficApp.Service("backend-shadow", "{ app: shadow }"),
            TrafficApp.Workload("client", 1, "{ app: client }", "0", "client"),
            TrafficApp.Workload("backend-v1", 1, "{ app: backend, version: v1 }", "1", "backend"),
            TrafficApp.Workload("backend-v2", 1, "{ app: backend, version: v2 }", "2", "backend"),
            TrafficApp.Workload("backend-shadow", 1, "{ app: shadow }", "shadow", "shadow"),
            Split), ct);
        var instances = (await mesh.WaitForInstancesAsync(4, ct)).ToDictionary(i => i.Workload, i => i.Address);
        using var client = new MeshClient(instances["client"]);

        var started = TimeProvider.System.GetTimestamp();
        var replies = await client.BurstAsync("backend", "/split", Requests, Concurrency, ct);
        output.WriteLine($"{Requests} requests in {TimeProvider.System.GetElapsedTime(started).TotalSeconds:F1} s");

        AssertAllOk(replies);
        var v1 = replies.Count(r => r.Version == "v1");
        var v2 = replies.Count(r => r.Version == "v2");
        output.WriteLine($"v1 {v1}, v2 {v2}");
        // 10 % of 2,000: standard deviation 13.4 requests; ±4 % (80 requests) is six of them.
        Assert.InRange(v2, Requests * 6 / 100, Requests * 14 / 100);
        Assert.Equal(Requests, v1 + v2);

        // What each backend counted, what the client saw and what the client's proxy recorded are one number.
        Assert.Equal((v1, 0L), await client.CountsAsync(instances["backend-v1"], "/split", ct));
        Assert.Equal((v2, 0L), await client.CountsAsync(instances["backend-v2"], "/split", ct));
        var metrics = await client.MetricsAsync(ct);
        Assert.True(v1 == metrics.Sum("outbound_http_route_backend_requests_total", $"route_name={RouteName}", "route_namespace=default", "backend_name=backend-v1*"), metrics.Lines("outbound_http_route_backend_requests_total"));
        Assert.Equal(v2, metrics.Sum("outbound_http_route_backend_requests_total", $"route_name={RouteName}", "route_namespace=default", "backend_name=backend-v2*"));
        Assert.Equal(v1, metrics.Sum("outbound_http_route_backend_response_statuses_total", $"route_name={RouteName}", "route_namespace=default", "backend_name=backend-v1*", "http_status=200", "error="));
        Assert.Equal(Requests, metrics.Sum("outbound_http_route_request_statuses_total", $"route_name={RouteName}", "route_namespace=default", "parent_name=backend*", "http_status=200", "error="));

        // Over mTLS: each backend's proxy saw every request it passed on from the client's identity.
        foreach (var (workload, count) in new[] { ("backend-v1", v1), ("backend-v2", v2) })
        {
            var inbound = await client.MetricsAsync(ct, instances[workload]);
            Assert.True(
                count <= inbound.Sum("request_total", "direction=inbound", "tls=true", "client_id=spiffe://cluster.local/ns/default/sa/client"),
                $"{workload}: {count} requests, inbound:\n{inbound.Lines("request_total")}");
        }

        // The mirror: fire and forget, so its copies arrive in their own time.
        // A copy is sent, or dropped when more than RequestMirror.MaxInFlight are in flight (so that a slow mirror costs
        // the primary nothing): the first copies of a burst of 8 concurrent requests wait for the mirror's first mTLS
        // connection, and on a loaded machine that can take longer than 100 copies, so a few may be dropped (16 in one
        // CI run). Every copy drawn is counted one way or the other, and every copy sent arrives.
        var sent = metrics.Sum("outbound_http_route_mirror_requests_total", $"route_name={RouteName}", "route_namespace=default", "result=sent");
        var dropped = metrics.Sum("outbound_http_route_mirror_requests_total", $"route_name={RouteName}", "route_namespace=default", "result=dropped");
        // 25 % of 2,000: standard deviation 19.4; ±5 % (100) is five of them.
        Assert.InRange(sent + dropped, Requests * 20 / 100, Requests * 30 / 100);
        output.WriteLine($"mirror: sent {sent}, dropped {dropped}");
        Assert.True(sent > 0, $"sent {sent}, dropped {dropped}");
        (long Served, long Failed) shadow = default;
        await Eventually.UntilAsync(
            async () => (shadow = await client.CountsAsync(instances["backend-shadow"], "/split", ct)).Served >= sent,
            TimeSpan.FromSeconds(30),
            "the mirror received every copy sent",
            ct,
            () => $"sent {sent}, the mirror counted {shadow}");
        Assert.Equal((sent, 0L), shadow);

        // Stop the mirror workload: the client notices nothing.
        var deleted = await mesh.RunCliAsync(ct, "delete", "workload", "backend-shadow");
        Assert.True(deleted.ExitCode == 0, deleted.Output);
        await mesh.WaitForInstancesAsync(3, ct);
        var after = await client.BurstAsync("backend", "/split", AfterMirrorStopped, Concurrency, ct);
        AssertAllOk(after);
        var v2After = after.Count(r => r.Version == "v2");
        output.WriteLine($"after the mirror stopped: v1 {AfterMirrorStopped - v2After}, v2 {v2After}");
        Assert.InRange(v2After, 1, AfterMirrorStopped * 25 / 100);
        // The client's proxy records a request after it has passed the response on: the client can have all its
        // answers a moment before the last ones are counted.
        var metricsAfter = await client.MetricsAsync(ct);
        await Eventually.UntilAsync(
            async () => (metricsAfter = await client.MetricsAsync(ct)).Sum("outbound_http_route_request_statuses_total", $"route_name={RouteName}", "route_namespace=default", "http_status=200", "error=") >= Requests + AfterMirrorStopped,
            TimeSpan.FromSeconds(10),
            "the client's proxy counted every request",
            ct,
            () => metricsAfter.Lines("outbound_http_route_request_statuses_total"));
        Assert.Equal(sent, metricsAfter.Sum("outbound_http_route_mirror_requests_total", $"route_name={RouteName}", "route_namespace=default", "result=sent"));
        Assert.InRange(metricsAfter.Sum("outbound_http_route_mirror_requests_total", $"route_name={RouteName}", "route_namespace=default", "result=dropped") - dropped, 1, AfterMirrorStopped);
        Assert.Equal(Requests + AfterMirrorStopped, metricsAfter.Sum("outbound_http_route_request_statuses_total", $"route_name={RouteName}", "route_namespace=default", "http_status=200", "error="));
        await mesh.DownAsync(ct);
    }

    private static void AssertAllOk(List<Reply> replies)
    {
        var failed = replies.Where(r => !r.Ok).ToList();
        Assert.True(failed.Count == 0, $"{failed.Count} of {replies.Count} failed:\n{string.Join('\n', failed.Take(20))}");
    }
}
