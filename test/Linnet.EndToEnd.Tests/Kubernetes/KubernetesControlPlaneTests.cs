using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Linnet.EndToEnd.Tests.Infrastructure;
using Linnet.Testing;
using Linnet.Testing.Kubernetes;

namespace Linnet.EndToEnd.Tests.Kubernetes;

/// <summary><c>linnet control-plane --platform kubernetes</c> as a process against a fake API server: Services, Pods and
/// an HTTPRoute created in the "cluster" reach a real linnet-proxy, which proves its identity with a service-account
/// token (reviewed by the API server) and routes by the route; the route's status is written back to the cluster;
/// the HTTP API refuses to write what the cluster owns.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class KubernetesControlPlaneTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private const string SlicesPath = "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices";
    private static readonly FakeResourceType Routes = KubernetesTestCluster.CustomResource("HTTPRoute", "gateway.networking.k8s.io");

    [Fact]
    public async Task ControlPlane_KubernetesPlatform_ProxyGetsEndpointsAndRouteFromTheCluster_StatusWrittenBack()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await KubernetesTestCluster.StartAsync("linnet-k8s-e2e-", ct);
        await using var v1 = await HttpTestApp.StartAsync("v1", cancellationToken: ct);
        await using var v2 = await HttpTestApp.StartAsync("v2", cancellationToken: ct);
        // What a user (kubectl apply) and the kubelet write: two versions of web, a client, the route.
        await cluster.CreateAsync("/api/v1/namespaces/default/services", Service("web", v1.Port, "v1"), ct);
        await cluster.CreateAsync("/api/v1/namespaces/default/services", Service("web-v2", v2.Port, "v2"), ct);
        foreach (var (pod, app, version, sa, port) in new[] { ("web-v1-0", "web", "v1", "web", v1.Port), ("web-v2-0", "web", "v2", "web", v2.Port), ("client-0", "client", "v1", "client", 1) })
        {
            await CreateReadyPodAsync(cluster, Pod(pod, app, version, sa, port), ct);
        }

        // The EndpointSlice controller's part: each Service's ready pods.
        await cluster.CreateAsync(SlicesPath, Slice("web-v1abc", "web", v1.Port, ("127.0.0.1", true, "web-v1-0")), ct);
        await cluster.CreateAsync(SlicesPath, Slice("web-v2abc", "web-v2", v2.Port, ("127.0.0.1", true, "web-v2-0")), ct);

        await cluster.CreateAsync("/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes", new JsonObject
        {
            ["apiVersion"] = "gateway.networking.k8s.io/v1",
            ["kind"] = "HTTPRoute",
            ["metadata"] = new JsonObject { ["name"] = "web" },
            ["spec"] = new JsonObject
            {
                ["parentRefs"] = new JsonArray(new JsonObject { ["group"] = "core", ["kind"] = "Service", ["name"] = "web", ["port"] = 80 }),
                ["rules"] = new JsonArray(
                    new JsonObject
                    {
                        ["matches"] = new JsonArray(new JsonObject { ["headers"] = new JsonArray(new JsonObject { ["name"] = "x-version", ["value"] = "v2" }) }),
                        ["backendRefs"] = new JsonArray(new JsonObject { ["name"] = "web-v2", ["port"] = 80 }),
                    },
                    new JsonObject { ["backendRefs"] = new JsonArray(new JsonObject { ["name"] = "web", ["port"] = 80 }) }),
            },
        }, ct);

        await using var mesh = await cluster.StartControlPlaneAsync(output, [], ct);

        // The leader writes the route's status back through the status subresource.
        await Eventually.UntilAsync(() => Accepted(cluster.Api.Get(Routes, "default", "web")), Timeout, "the route's status written to the cluster", ct, mesh.ControlPlaneTail);
        var status = cluster.Api.Get(Routes, "default", "web")!["status"]!["parents"]!.AsArray().OfType<JsonObject>().Single(p => p["controllerName"]?.GetValue<string>() == "linnet.io/control-plane");
        Assert.Equal("web", status["parentRef"]!["name"]!.GetValue<string>());

        // A real proxy for client-0, with its pod's projected service-account token.
        var (proxy, outbound, _) = await StartClientProxyAsync(cluster, mesh, ct);
        await using var proxyProcess = proxy;
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };

        Assert.Equal("hello from v1", await GetAsync(client, outbound, null, ct));
        Assert.Equal("hello from v2", await GetAsync(client, outbound, "v2", ct));
        Assert.Contains(cluster.Api.Requests, r => r is { Method: "POST", Path: FakeApiServer.TokenReviewsPath, StatusCode: 201 });

        // What the cluster owns is not written through the HTTP API; the reason says where to write it.
        using var apply = await mesh.ApiClient.PostAsync(new Uri(mesh.Api, "/api/v1/apply"), new StringContent("apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {selector: {app: x}, ports: [{port: 80}]}\n", Encoding.UTF8, "application/yaml"), ct);
        Assert.Equal(HttpStatusCode.Conflict, apply.StatusCode);
        Assert.Contains("kubectl", await apply.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        using var delete = await mesh.ApiClient.DeleteAsync(new Uri(mesh.Api, "/api/v1/resources/Service/default/web"), ct);
        Assert.Equal(HttpStatusCode.Conflict, delete.StatusCode);
        using var token = await mesh.ApiClient.PostAsync(new Uri(mesh.Api, "/api/v1/tokens"), new StringContent("""{"namespace":"default","serviceAccount":"client"}""", Encoding.UTF8, "application/json"), ct);
        Assert.Equal(HttpStatusCode.Conflict, token.StatusCode);
        Assert.Contains("service-account token", await token.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, await mesh.GetStatusAsync("Service", "web", ct));

        await proxyProcess.StopAsync(TimeSpan.FromSeconds(20), ct);
        await mesh.DownAsync(ct);
    }

    [Fact]
    public async Task ControlPlane_KubernetesPlatform_EndpointSlicesDecideTheBalancersEndpoints()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await KubernetesTestCluster.StartAsync("linnet-k8s-e2e-", ct, customResources: false);
        await using var a = await HttpTestApp.StartAsync("a", cancellationToken: ct);
        await using var b = await HttpTestApp.StartAsync("b", cancellationToken: ct);
        await using var c = await HttpTestApp.StartAsync("c", cancellationToken: ct);
        // Three Ready pods of web, each serving on its own port (a named container port resolved per pod, so one
        // slice per port set, as the EndpointSlice controller groups them); the Service's own targetPort (8080)
        // is nobody's: only the slices' ports reach the pods. The pods stay Ready throughout: the slices decide.
        await cluster.CreateAsync("/api/v1/namespaces/default/services", Service("web", 8080, "v1"), ct);
        foreach (var (pod, port) in new[] { ("web-a", a.Port), ("web-b", b.Port), ("web-c", c.Port), ("client-0", 1) })
        {
            await CreateReadyPodAsync(cluster, Pod(pod, pod == "client-0" ? "client" : "web", "v1", pod == "client-0" ? "client" : "web", port), ct);
        }

        await cluster.CreateAsync(SlicesPath, Slice("web-a1", "web", a.Port, ("127.0.0.1", true, "web-a")), ct);
        await cluster.CreateAsync(SlicesPath, Slice("web-b1", "web", b.Port, ("127.0.0.1", false, "web-b")), ct);

        await using var mesh = await cluster.StartControlPlaneAsync(output, [], ct);
        var (proxy, outbound, _) = await StartClientProxyAsync(cluster, mesh, ct);
        await using var proxyProcess = proxy;
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        string Tail() => $"a={a.RequestCount} b={b.RequestCount} c={c.RequestCount}\n{proxy.Output}\n{mesh.ControlPlaneTail()}";

        // Only a is ready: every request reaches a, none the not-ready b.
        await Eventually.UntilAsync(() => AllFromAsync(client, outbound, "a", ct), Timeout, "web's traffic all on a", ct, Tail);
        Assert.Equal(0, b.RequestCount);

        // a marked not ready, b ready: a leaves the balancer (a slower, never-measured b would otherwise lose every
        // pick to it), b joins; then no request reaches a at all.
        await cluster.SendAsync(HttpMethod.Put, SlicesPath + "/web-a1", Slice("web-a1", "web", a.Port, ("127.0.0.1", false, "web-a")), "application/json", ct);
        await cluster.SendAsync(HttpMethod.Put, SlicesPath + "/web-b1", Slice("web-b1", "web", b.Port, ("127.0.0.1", true, "web-b")), "application/json", ct);
        await Eventually.UntilAsync(() => AllFromAsync(client, outbound, "b", ct), Timeout, "web's traffic all on b", ct, Tail);
        var onA = a.RequestCount;
        Assert.True(await AllFromAsync(client, outbound, "b", ct));
        Assert.Equal(onA, a.RequestCount);

        // A new slice adds c; b marked not ready: c, known only from the new slice, takes the traffic.
        await cluster.CreateAsync(SlicesPath, Slice("web-c1", "web", c.Port, ("127.0.0.1", true, "web-c")), ct);
        await cluster.SendAsync(HttpMethod.Put, SlicesPath + "/web-b1", Slice("web-b1", "web", b.Port, ("127.0.0.1", false, "web-b")), "application/json", ct);
        await Eventually.UntilAsync(() => AllFromAsync(client, outbound, "c", ct), Timeout, "web's traffic all on c", ct, Tail);
        Assert.Equal(onA, a.RequestCount);

        // The slice deleted: web has no endpoint left, and the proxy says so rather than sending anywhere.
        await cluster.SendAsync(HttpMethod.Delete, SlicesPath + "/web-c1", new JsonObject(), "application/json", ct);
        await Eventually.UntilAsync(async () => await StatusAsync(client, outbound, ct) == HttpStatusCode.ServiceUnavailable, Timeout, "web without endpoints answered 503", ct, Tail);

        await proxyProcess.StopAsync(TimeSpan.FromSeconds(20), ct);
        await mesh.DownAsync(ct);
    }

    [Fact]
    public async Task ControlPlane_DefaultInboundPolicyFlag_ServedToAPodThatSetsNone()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await KubernetesTestCluster.StartAsync("linnet-k8s-e2e-", ct);
        // client-0 and its namespace set no config.linkerd.io/default-inbound-policy; its proxy's own config names none
        // either (Linkerd's all-unauthenticated until the control plane answers).
        await CreateReadyPodAsync(cluster, Pod("client-0", "client", "v1", "client", 1), ct);
        await using var mesh = await cluster.StartControlPlaneAsync(output, ["--default-inbound-policy", "deny"], ct);
        var (proxy, _, inbound) = await StartClientProxyAsync(cluster, mesh, ct);
        await using var proxyProcess = proxy;
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };

        // The install's default reaches the pod's proxy: an unauthenticated request to its inbound side is refused
        // (403, Linkerd's answer for a denied HTTP request), not forwarded to the app.
        HttpResponseMessage? last = null;
        await Eventually.UntilAsync(
            async () =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{inbound}/hello"));
                last?.Dispose();
                last = await client.SendAsync(request, ct);
                return last.StatusCode == HttpStatusCode.Forbidden;
            },
            Timeout,
            "the pod's inbound side denied by the install's default policy",
            ct,
            () => $"last answer {(int?)last?.StatusCode}\n{proxy.Output}\n{mesh.ControlPlaneTail()}");
        Assert.Contains("deny", await last!.Content.ReadAsStringAsync(ct) + string.Join(",", last.Headers.Select(h => $"{h.Key}={string.Join(";", h.Value)}")), StringComparison.Ordinal);
        last.Dispose();

        await proxyProcess.StopAsync(TimeSpan.FromSeconds(20), ct);
        await mesh.DownAsync(ct);
    }

    // Ten requests to web, all answered 200 by the app named app.
    private static async Task<bool> AllFromAsync(HttpClient client, int outbound, string app, CancellationToken ct)
    {
        for (var i = 0; i < 10; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{outbound}/hello"));
            request.Headers.Host = "web";
            using var response = await client.SendAsync(request, ct);
            if (response.StatusCode != HttpStatusCode.OK || await response.Content.ReadAsStringAsync(ct) != $"hello from {app}")
            {
                return false;
            }
        }

        return true;
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client, int outbound, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{outbound}/hello"));
        request.Headers.Host = "web";
        using var response = await client.SendAsync(request, ct);
        return response.StatusCode;
    }

    // What kubectl and then the kubelet write: the pod, then its address and Ready condition through the status
    // subresource.
    private static async Task CreateReadyPodAsync(KubernetesTestCluster cluster, JsonObject pod, CancellationToken ct)
    {
        var name = pod["metadata"]!["name"]!.GetValue<string>();
        await cluster.CreateAsync("/api/v1/namespaces/default/pods", pod, ct);
        await cluster.SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/default/pods/{name}/status", new JsonObject
        {
            ["status"] = new JsonObject
            {
                ["phase"] = "Running",
                ["podIP"] = "127.0.0.1",
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True" }),
            },
        }, "application/merge-patch+json", ct);
    }

    // A real linnet-proxy for the pod client-0 (service account client), with its projected service-account token,
    // waited for until ready (a certificate from a reviewed token, and the first snapshot).
    private static async Task<(TestProcess Proxy, int Outbound, int Inbound)> StartClientProxyAsync(KubernetesTestCluster cluster, Mesh mesh, CancellationToken ct)
    {
        var tokenFile = cluster.PathOf("token");
        File.WriteAllText(tokenFile, cluster.Api.IssueServiceAccountToken("default", "client", "identity.linnet.io"));
        File.SetUnixFileMode(tokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var outbound = PortAllocator.GetFreeTcpPort();
        var inbound = PortAllocator.GetFreeTcpPort();
        var admin = PortAllocator.GetFreeTcpPort();
        var config = cluster.PathOf("proxy.yaml");
        File.WriteAllText(config, string.Create(CultureInfo.InvariantCulture, $$"""
            workload: {namespace: default, name: client, pod: client-0}
            inbound: {listen: "127.0.0.1:{{inbound}}", appPort: 1}
            outbound: {listen: "127.0.0.1:{{outbound}}"}
            admin: {listen: "127.0.0.1:{{admin}}"}
            transparent: false
            controlPlane: {address: "{{mesh.GrpcListen}}"}
            identity: {name: "spiffe://cluster.local/ns/default/sa/client", trustAnchorsFile: "{{Path.Combine(mesh.DataDirectory, "identity", "trust-anchors.pem")}}", tokenFile: "{{tokenFile}}"}
            """));
        var proxy = await TestProcess.StartAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "linnet-proxy.dll"), "--config", config], cancellationToken: ct);
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        await Eventually.UntilAsync(
            async () => proxy.HasExited ? throw new InvalidOperationException($"the proxy exited:\n{proxy.Output}") : await IsReadyAsync(client, admin, ct),
            Timeout,
            "the proxy ready (a certificate from a reviewed service-account token, and the first snapshot)",
            ct,
            () => proxy.Output + "\n" + mesh.ControlPlaneTail());
        return (proxy, outbound, inbound);
    }

    // An EndpointSlice of a Service as the EndpointSlice controller writes it (discovery.k8s.io/v1): its endpoints all
    // serve the Service port named http on port.
    private static JsonObject Slice(string name, string service, int port, params (string Address, bool Ready, string Pod)[] endpoints) => new()
    {
        ["apiVersion"] = "discovery.k8s.io/v1",
        ["kind"] = "EndpointSlice",
        ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["kubernetes.io/service-name"] = service, ["endpointslice.kubernetes.io/managed-by"] = "endpointslice-controller.k8s.io" } },
        ["addressType"] = "IPv4",
        ["endpoints"] = new JsonArray(endpoints.Select(e => (JsonNode)new JsonObject
        {
            ["addresses"] = new JsonArray(e.Address),
            ["conditions"] = new JsonObject { ["ready"] = e.Ready, ["serving"] = e.Ready, ["terminating"] = false },
            ["targetRef"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = "default", ["name"] = e.Pod },
        }).ToArray()),
        ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = port, ["protocol"] = "TCP" }),
    };

    private static bool Accepted(JsonObject? route) =>
        route?["status"]?["parents"] is JsonArray parents
        && parents.OfType<JsonObject>().Any(p => p["controllerName"]?.GetValue<string>() == "linnet.io/control-plane"
            && p["conditions"]?.AsArray().OfType<JsonObject>().Any(c => c["type"]?.GetValue<string>() == "Accepted" && c["status"]?.GetValue<string>() == "True") == true
            && p["conditions"]?.AsArray().OfType<JsonObject>().Any(c => c["type"]?.GetValue<string>() == "ResolvedRefs" && c["status"]?.GetValue<string>() == "True") == true);

    private static async Task<bool> IsReadyAsync(HttpClient client, int admin, CancellationToken ct)
    {
        try
        {
            using var ready = await client.GetAsync(new Uri($"http://127.0.0.1:{admin}/ready"), ct);
            return ready.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false; // not listening yet
        }
    }

    private static async Task<string> GetAsync(HttpClient client, int outbound, string? version, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://127.0.0.1:{outbound}/hello"));
        request.Headers.Host = "web";
        if (version is not null)
        {
            request.Headers.Add("x-version", version);
        }

        using var response = await client.SendAsync(request, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        return body;
    }

    private static JsonObject Service(string name, int targetPort, string version) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Service",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject
        {
            ["selector"] = new JsonObject { ["app"] = "web", ["version"] = version },
            ["type"] = "ClusterIP",
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = 80, ["targetPort"] = targetPort, ["protocol"] = "TCP" }),
        },
    };

    private static JsonObject Pod(string name, string app, string version, string serviceAccount, int port) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Pod",
        ["metadata"] = new JsonObject
        {
            ["name"] = name,
            ["labels"] = new JsonObject { ["app"] = app, ["version"] = version },
            ["ownerReferences"] = new JsonArray(new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "ReplicaSet", ["name"] = $"{app}-5d8f7c9b4", ["controller"] = true, ["uid"] = "u-" + name }),
        },
        ["spec"] = new JsonObject
        {
            ["serviceAccountName"] = serviceAccount,
            ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = $"{app}:1", ["ports"] = new JsonArray(new JsonObject { ["containerPort"] = port, ["protocol"] = "TCP" }) }),
        },
    };
}
