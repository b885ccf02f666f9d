using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using Linnet.Platform.Kubernetes.Install;
using Linnet.Platform.Kubernetes.Yaml;
using Linnet.Testing.Kubernetes;

namespace Linnet.Platform.Kubernetes.Tests.Check;

/// <summary>A fake API server holding what <c>linnet install</c> prints, applied as <c>kubectl apply -f -</c> would
/// (each object created at its collection), and the control plane's pod made ready as the kubelet reports it.</summary>
internal sealed class InstalledCluster : IAsyncDisposable
{
    private static readonly FakeResourceType[] Types =
    [
        .. FakeResourceType.InstallTypes,
        FakeResourceType.Namespaces, FakeResourceType.Services, FakeResourceType.Deployments, FakeResourceType.Pods,
    ];

    private readonly HttpClient _http;

    private InstalledCluster(FakeApiServer server, InstallCredentials credentials, IReadOnlyList<JsonObject> objects)
    {
        Server = server;
        Credentials = credentials;
        Objects = objects;
        _http = new HttpClient { BaseAddress = server.BaseUri };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.Token);
    }

    public FakeApiServer Server { get; }

    public InstallCredentials Credentials { get; }

    /// <summary>What the install printed, read back from its YAML.</summary>
    public IReadOnlyList<JsonObject> Objects { get; }

    /// <summary>A client of the fake, as a kubeconfig would give.</summary>
    public IKubernetes Client() => new k8s.Kubernetes(new KubernetesClientConfiguration { Host = Server.BaseUri.ToString(), AccessToken = Server.Token });

    /// <summary>Installs, with <paramref name="credentials"/> (fresh ones by default), every object
    /// <paramref name="keep"/> lets through, and a ready control-plane pod unless <paramref name="readyPod"/> is false.</summary>
    public static async Task<InstalledCluster> StartAsync(InstallCredentials? credentials = null, Func<JsonObject, bool>? keep = null, bool readyPod = true)
    {
        credentials ??= InstallCredentials.Generate("cluster.local", TimeProvider.System);
        var objects = ManifestYaml.Read(InstallManifests.Render(new InstallOptions(), credentials)).Cast<JsonObject>().ToList();
        var server = await FakeApiServer.StartAsync(FakeResourceType.InstallTypes, cancellationToken: TestContext.Current.CancellationToken);
        var cluster = new InstalledCluster(server, credentials, objects);
        foreach (var o in objects.Where(keep ?? (_ => true)))
        {
            await cluster.SendAsync(HttpMethod.Post, Collection(o), o);
        }

        if (readyPod && (keep is null || objects.Where(keep).Any(o => (string?)o["kind"] == "Deployment")))
        {
            await cluster.AddControlPlanePodAsync("linnet-control-plane-5d8f7c9b4-x2x7q", ready: true);
        }

        return cluster;
    }

    /// <summary>A pod of the control plane's Deployment (its template's labels and containers), Running, its
    /// containers ready or not, as the kubelet writes status.</summary>
    public async Task AddControlPlanePodAsync(string name, bool ready)
    {
        var template = Objects.Single(o => (string?)o["kind"] == "Deployment")["spec"]!["template"]!;
        var pod = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = InstallNames.Namespace, ["labels"] = template["metadata"]!["labels"]!.DeepClone() },
            ["spec"] = template["spec"]!.DeepClone(),
        };
        var created = await SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{InstallNames.Namespace}/pods", pod);
        created["status"] = new JsonObject
        {
            ["phase"] = "Running",
            ["podIP"] = "10.42.0.7",
            ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = ready ? "True" : "False" }),
            ["containerStatuses"] = new JsonArray(new JsonObject { ["name"] = "control-plane", ["ready"] = ready, ["restartCount"] = 0, ["image"] = "linnet/control-plane:0.1.0", ["imageID"] = "", ["started"] = true }),
        };
        await SendAsync(HttpMethod.Put, $"/api/v1/namespaces/{InstallNames.Namespace}/pods/{name}/status", created);
    }

    /// <summary>The collection an object is created in: /api/v1[/namespaces/ns]/plural or /apis/group/version[...].</summary>
    public static string Collection(JsonObject o)
    {
        var kind = (string)o["kind"]!;
        var apiVersion = (string)o["apiVersion"]!;
        var type = Types.Single(t => t.Kind == kind && t.ApiVersion == apiVersion);
        return type.Namespaced ? $"{type.Prefix}/namespaces/{o["metadata"]!["namespace"] ?? "default"}/{type.Plural}" : $"{type.Prefix}/{type.Plural}";
    }

    public async Task<JsonObject> SendAsync(HttpMethod method, string path, JsonNode? body = null, string mediaType = "application/json")
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, mediaType);
        }

        using var response = await _http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
        return (JsonObject)JsonNode.Parse(text)!;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await Server.DisposeAsync();
    }
}
