using System.Text.Json.Nodes;
using Grpc.Core;
using Grpc.Net.Client;
using Linnet.EndToEnd.Tests.Infrastructure;
using Linnet.Testing;

namespace Linnet.EndToEnd.Tests;

/// <summary>A GRPCRoute applied with <c>linnet apply</c>, obeyed by the client's proxy for a real gRPC client
/// (h2c to the proxy's listener for the service, as an app calls it; HTTP/2 over mTLS between the proxies):
/// one method goes to another backend, an injected gRPC fault and a route timeout answer with the right
/// <c>grpc-status</c>, and retries on gRPC codes are counted.</summary>
public sealed class GrpcRouteTrafficTests(ITestOutputHelper output)
{
    private const string RouteName = "echo-methods";

    private const string Routes = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GRPCRoute
        metadata: { name: echo-methods }
        spec:
          parentRefs: [ { name: echo } ]
          rules:
            - matches: [ { method: { service: linnet.testing.Echo, method: Expand } } ]
              backendRefs: [ { name: echo-v1 } ]
              filters:
                - type: LinnetFaultInjection
                  faultInjection: { abort: { grpcStatus: unavailable } }
            - matches:
                - method: { service: linnet.testing.Echo, method: Say }
                  headers: [ { name: x-slow, value: "1" } ]
              backendRefs: [ { name: echo-v2 } ]
              timeouts: { request: 500ms }
            - matches: [ { method: { service: linnet.testing.Echo, method: Say } } ]
              backendRefs: [ { name: echo-v2 } ]
              filters: [ { type: LinnetRetry, retry: { limit: 2 } } ]
            - backendRefs: [ { name: echo-v1 } ]

        """;

    [Fact]
    public async Task GrpcRoute_MethodSplitFaultTimeoutAndRetries_GrpcStatusAndMetricsRight()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ct);
        await MeshClient.ApplyFileAsync(mesh, Manifests.Join(
            TrafficApp.Service("echo", "{ app: echo }", appProtocol: "grpc"),
            TrafficApp.Service("echo-v1", "{ app: echo, version: v1 }", appProtocol: "grpc"),
            TrafficApp.Service("echo-v2", "{ app: echo, version: v2 }", appProtocol: "grpc"),
            TrafficApp.Workload("client", 1, "{ app: client }", "0", "client"),
            TrafficApp.Workload("echo-v1", 1, "{ app: echo, version: v1 }", "1", "echo", grpc: true),
            TrafficApp.Workload("echo-v2", 1, "{ app: echo, version: v2 }", "2", "echo", grpc: true),
            Routes), ct);
        var instances = (await mesh.WaitForInstancesAsync(3, ct)).ToDictionary(i => i.Workload, i => i.Address);
        using var client = new MeshClient(instances["client"]);

        // The proxy's listener for the echo service on the client's address (what ECHO_SERVICE_PORT names).
        var service = JsonNode.Parse(await mesh.ApiClient.GetStringAsync(new Uri(mesh.Api, "api/v1/resources/Service/default/echo"), ct))!;
        var localPort = int.Parse(service["status"]!["localPorts"]!["80"]!.ToString(), System.Globalization.CultureInfo.InvariantCulture);
        using var channel = GrpcChannel.ForAddress($"http://{client.ClientAddress}:{localPort}", new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { UseProxy = false },
            DisposeHttpClient = true,
        });
        var echo = new Echo.EchoClient(channel);
        var deadline = TimeSpan.FromSeconds(30);

        // Say goes to v2; every other method to v1.
        for (var i = 0; i < 20; i++)
        {
            var reply = await echo.SayAsync(new EchoRequest { Message = "hi" }, deadline: Deadline(deadline), cancellationToken: ct);
            Assert.Equal(("hi", "echo-v2-0"), (reply.Message, reply.ServedBy));
        }

        for (var i = 0; i < 10; i++)
        {
            using var call = echo.Collect(deadline: Deadline(deadline), cancellationToken: ct);
            foreach (var message in (string[])["a", "b", "c"])
            {
                await call.RequestStream.WriteAsync(new EchoRequest { Message = message }, ct);
            }

            await call.RequestStream.CompleteAsync();
            var reply = await call;
            Assert.Equal(("a,b,c", "echo-v1-0"), (reply.Message, reply.ServedBy));
        }

        // The fault on Expand: UNAVAILABLE from the client's proxy, which says why.
        for (var i = 0; i < 10; i++)
        {
            using var call = echo.Expand(new ExpandRequest { Message = "x", Count = 2 }, deadline: Deadline(deadline), cancellationToken: ct);
            var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(ct));
            Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
            Assert.Equal("fault injected", ex.Trailers.GetValue("l5d-proxy-error"));
        }

        // The route's request timeout on a slow call: DEADLINE_EXCEEDED from the proxy, not the backend's 20 s.
        var headers = new Metadata { { "x-slow", "1" } };
        for (var i = 0; i < 5; i++)
        {
            var started = TimeProvider.System.GetTimestamp();
            var ex = await Assert.ThrowsAsync<RpcException>(async () => await echo.SayAsync(new EchoRequest { Message = "slow", DelayMs = 20_000 }, headers, Deadline(deadline), ct));
            Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
            Assert.Equal("request timed out", ex.Trailers.GetValue("l5d-proxy-error"));
            Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(10));
        }

        // A backend answering UNAVAILABLE is retried (a GRPCRoute's default codes), twice, then its status passes through.
        for (var i = 0; i < 5; i++)
        {
            var ex = await Assert.ThrowsAsync<RpcException>(async () => await echo.SayAsync(new EchoRequest { Message = "fail", FailCode = (int)StatusCode.Unavailable }, deadline: Deadline(deadline), cancellationToken: ct));
            Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
            Assert.Equal("requested failure", ex.Status.Detail);
        }

        var metrics = await client.MetricsAsync(ct);
        output.WriteLine($"{metrics.Lines("outbound_http_route_request_statuses_total")}\n{metrics.Lines("outbound_http_route_backend_requests_total")}");
        Assert.Equal(10, metrics.Sum("outbound_http_route_faults_total", $"route_name={RouteName}", "route_namespace=default", "fault=abort"));
        Assert.Equal(5, metrics.Sum("outbound_http_route_timeouts_total", $"route_name={RouteName}", "route_namespace=default", "timeout=request"));
        Assert.Equal(10, metrics.Sum("outbound_http_route_retry_requests_total", $"route_name={RouteName}", "route_namespace=default"));
        Assert.Equal(5, metrics.Sum("outbound_http_route_retry_limit_exceeded_total", $"route_name={RouteName}", "route_namespace=default"));
        Assert.Equal(20 + 5 + (5 * 3), metrics.Sum("outbound_http_route_backend_requests_total", $"route_name={RouteName}", "route_namespace=default", "backend_name=echo-v2*"));
        Assert.Equal(10, metrics.Sum("outbound_http_route_backend_requests_total", $"route_name={RouteName}", "route_namespace=default", "backend_name=echo-v1*"));

        // Over mTLS: echo-v2's proxy took the calls from the client's identity.
        var inbound = await client.MetricsAsync(ct, instances["echo-v2"]);
        Assert.True(
            inbound.Sum("request_total", "direction=inbound", "tls=true", "client_id=spiffe://cluster.local/ns/default/sa/client") >= 40,
            inbound.Lines("request_total"));
        await mesh.DownAsync(ct);
    }

    private static DateTime Deadline(TimeSpan timeout) => TimeProvider.System.GetUtcNow().UtcDateTime + timeout;
}
