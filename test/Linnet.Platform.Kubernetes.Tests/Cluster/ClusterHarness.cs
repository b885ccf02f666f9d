using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using Linnet.ControlPlane.Core.Kinds;
using Linnet.ControlPlane.Core.Store;
using Linnet.Platform.Kubernetes.Cluster;
using Linnet.Testing.Kubernetes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Linnet.Platform.Kubernetes.Tests.Cluster;

/// <summary>A fake API server serving every type the control plane watches, KubernetesClient pointed at it, and a
/// mirror filling an in-memory store; objects are written as a user or a kubelet would, over HTTP.</summary>
internal sealed class ClusterHarness : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _running = [];
    private readonly HttpClient _http;

    private ClusterHarness(FakeApiServer server)
    {
        Server = server;
        Client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = server.BaseUri.ToString(), AccessToken = server.Token });
        Api = new ClusterApi(Client);
        Mirror = new ClusterMirror(Store, NullLogger<ClusterMirror>.Instance);
        _http = new HttpClient { BaseAddress = server.BaseUri };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.Token);
    }

    public FakeApiServer Server { get; }

    public k8s.Kubernetes Client { get; }

    public ClusterApi Api { get; }

    public InMemoryResourceStore Store { get; } = new();

    public ClusterMirror Mirror { get; }

    public static FakeResourceType FakeType(WatchedType type) =>
        new(type.Group, type.Version, type.Plural, type.Kind, HasStatus: type.Group.Length == 0 || ResourceKinds.Find(type.Kind)!.HasStatus);

    /// <summary>A fake serving every watched type, and <paramref name="more"/> (kinds a test writes that the control plane
    /// does not watch, such as ServiceAccounts).</summary>
    public static async Task<ClusterHarness> StartAsync(IEnumerable<FakeResourceType>? more = null)
    {
        var custom = WatchedType.All.Where(t => t.Group.Length > 0).Select(FakeType).Concat(more ?? []);
        return new ClusterHarness(await FakeApiServer.StartAsync(custom, cancellationToken: TestContext.Current.CancellationToken));
    }

    /// <summary>Starts an informer of <paramref name="type"/> and waits for its first list.</summary>
    public async Task<ClusterInformer> InformAsync(WatchedType type, TimeProvider? time = null, TimeSpan? resync = null)
    {
        var informer = new ClusterInformer(Api, type, Mirror, time ?? TimeProvider.System, NullLogger.Instance)
        {
            RetryDelay = TimeSpan.FromMilliseconds(50),
            ResyncPeriod = resync ?? TimeSpan.FromMinutes(5),
        };
        _running.Add(Task.Run(() => informer.RunAsync(_stop.Token)));
        await informer.Synced.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        return informer;
    }

    /// <summary>Waits, woken by each commit to the store, until <paramref name="condition"/> holds.</summary>
    public async Task<StoreSnapshot> WaitForAsync(Func<StoreSnapshot, bool> condition, string what)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var snapshot = Store.Snapshot();
        try
        {
            if (condition(snapshot))
            {
                return snapshot;
            }

            await foreach (var change in Store.WatchAsync(snapshot.Revision, timeout.Token))
            {
                snapshot = Store.Snapshot();
                if (condition(snapshot))
                {
                    return snapshot;
                }
            }
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
        }

        throw new TimeoutException($"the store never showed {what}");
    }

    public async Task<JsonObject> SendAsync(HttpMethod method, string path, JsonNode? body = null, string mediaType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, mediaType);
        }

        using var response = await _http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
        return (JsonObject)JsonNode.Parse(text)!;
    }

    public Task<JsonObject> CreateAsync(string collection, JsonObject obj) => SendAsync(HttpMethod.Post, collection, obj);

    /// <summary>The kubelet's part: the pod's address and readiness, through the status subresource.</summary>
    public Task<JsonObject> SetPodStatusAsync(string ns, string name, string ip, bool ready) =>
        SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/pods/{name}/status", new JsonObject
        {
            ["status"] = new JsonObject
            {
                ["phase"] = "Running",
                ["podIP"] = ip,
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = ready ? "True" : "False" }),
            },
        }, "application/merge-patch+json");

    public static JsonObject Service(string name, int port, int targetPort, string app) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Service",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject
        {
            ["selector"] = new JsonObject { ["app"] = app },
            ["clusterIP"] = "10.96.0.10",
            ["type"] = "ClusterIP",
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = port, ["targetPort"] = targetPort, ["protocol"] = "TCP" }),
        },
    };

    /// <summary>An EndpointSlice of <paramref name="service"/> as the EndpointSlice controller writes it: its endpoints
    /// (address, ready condition, the Pod they are) all serving <paramref name="port"/> under the Service port's
    /// name <c>http</c>.</summary>
    public static JsonObject EndpointSlice(string name, string service, int port, params (string Address, bool? Ready, string? Pod)[] endpoints) => new()
    {
        ["apiVersion"] = "discovery.k8s.io/v1",
        ["kind"] = "EndpointSlice",
        ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["kubernetes.io/service-name"] = service } },
        ["addressType"] = "IPv4",
        ["endpoints"] = new JsonArray(endpoints.Select(e =>
        {
            var endpoint = new JsonObject { ["addresses"] = new JsonArray(e.Address), ["conditions"] = new JsonObject() };
            if (e.Ready is { } ready)
            {
                endpoint["conditions"]!["ready"] = ready;
                endpoint["conditions"]!["serving"] = ready;
            }

            if (e.Pod is not null)
            {
                endpoint["targetRef"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = "default", ["name"] = e.Pod };
            }

            return (JsonNode)endpoint;
        }).ToArray()),
        ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = port, ["protocol"] = "TCP" }),
    };

    /// <summary>A pod as the injector leaves it: the app container and the proxy as a native sidecar.</summary>
    public static JsonObject MeshedPod(string name, string app, string serviceAccount, int appPort) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Pod",
        ["metadata"] = new JsonObject
        {
            ["name"] = name,
            ["labels"] = new JsonObject { ["app"] = app },
            ["ownerReferences"] = new JsonArray(new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "ReplicaSet", ["name"] = $"{app}-5d8f7c9b4", ["controller"] = true, ["uid"] = "u1" }),
        },
        ["spec"] = new JsonObject
        {
            ["serviceAccountName"] = serviceAccount,
            ["initContainers"] = new JsonArray(new JsonObject { ["name"] = "linnet-proxy", ["image"] = "linnet-proxy:dev", ["restartPolicy"] = "Always" }),
            ["containers"] = new JsonArray(new JsonObject
            {
                ["name"] = "app",
                ["image"] = $"{app}:1",
                ["ports"] = new JsonArray(new JsonObject { ["containerPort"] = appPort, ["protocol"] = "TCP" }),
            }),
        },
    };

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_running);
        _stop.Dispose();
        _http.Dispose();
        Client.Dispose();
        Mirror.Dispose();
        Store.Dispose();
        await Server.DisposeAsync();
    }
}
