using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Kinds;
using Linnet.Platform.Kubernetes.Cluster;
using Linnet.Testing.Kubernetes;

namespace Linnet.EndToEnd.Tests.Infrastructure;

/// <summary>What every end-to-end test of <c>linnet control-plane --platform kubernetes</c> starts from: the fake API
/// server (with the custom resources the control plane watches, unless asked without), a work directory, a kubeconfig
/// in it (owner-only) naming the server with its bearer token, and a client that writes to the server as kubectl and
/// the kubelet would. <see cref="StartControlPlaneAsync"/> runs the control plane against it. Disposing deletes the
/// work directory and stops the server.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed class KubernetesTestCluster : IAsyncDisposable
{
    private KubernetesTestCluster(FakeApiServer api, DirectoryInfo work)
    {
        Api = api;
        Work = work;
        Kubeconfig = Path.Combine(work.FullName, "kubeconfig");
        File.WriteAllText(Kubeconfig, $$$"""
            apiVersion: v1
            kind: Config
            clusters: [{name: fake, cluster: {server: "{{{api.BaseUri}}}"}}]
            users: [{name: linnet, user: {token: "{{{api.Token}}}"}}]
            contexts: [{name: fake, context: {cluster: fake, user: linnet}}]
            current-context: fake
            """);
        File.SetUnixFileMode(Kubeconfig, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Http = new HttpClient { BaseAddress = api.BaseUri };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", api.Token);
    }

    /// <summary>The fake API server.</summary>
    public FakeApiServer Api { get; }

    /// <summary>The test's own directory (kubeconfig, credentials, proxy files).</summary>
    public DirectoryInfo Work { get; }

    /// <summary>The kubeconfig naming <see cref="Api"/>.</summary>
    public string Kubeconfig { get; }

    /// <summary>A client of <see cref="Api"/> with its token.</summary>
    public HttpClient Http { get; }

    /// <summary>The fake types of every custom resource the control plane watches (its CRDs installed).</summary>
    public static IEnumerable<FakeResourceType> CustomResources =>
        WatchedType.All.Where(t => t.Group.Length > 0).Select(t => new FakeResourceType(t.Group, t.Version, t.Plural, t.Kind, HasStatus: ResourceKinds.Find(t.Kind)!.HasStatus));

    /// <summary>The fake type of one watched custom resource.</summary>
    public static FakeResourceType CustomResource(string kind, string group) => CustomResources.Single(t => t.Kind == kind && t.Group == group);

    /// <summary>Starts the server (with <see cref="CustomResources"/> unless <paramref name="customResources"/> is false:
    /// the built-in kinds alone) and makes the work directory, named after <paramref name="workPrefix"/>.</summary>
    public static async Task<KubernetesTestCluster> StartAsync(string workPrefix, CancellationToken cancellationToken, bool customResources = true)
    {
        var api = await FakeApiServer.StartAsync(customResources ? CustomResources : null, cancellationToken: cancellationToken);
        try
        {
            return new KubernetesTestCluster(api, Directory.CreateTempSubdirectory(workPrefix));
        }
        catch
        {
            await api.DisposeAsync();
            throw;
        }
    }

    /// <summary>A path in the work directory.</summary>
    public string PathOf(string name) => Path.Combine(Work.FullName, name);

    /// <summary>Runs <c>linnet control-plane --platform kubernetes --kubeconfig …</c> with <paramref name="arguments"/>
    /// after them, waited for as <see cref="Mesh.StartAsync(ITestOutputHelper, IReadOnlyList{string}, CancellationToken)"/>
    /// does.</summary>
    public Task<Mesh> StartControlPlaneAsync(ITestOutputHelper output, IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        Mesh.StartAsync(output, ["--platform", "kubernetes", "--kubeconfig", Kubeconfig, .. arguments], cancellationToken);

    /// <summary>POSTs <paramref name="obj"/> to <paramref name="collection"/>; the created object.</summary>
    public Task<JsonObject> CreateAsync(string collection, JsonObject obj, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, collection, obj, "application/json", cancellationToken);

    /// <summary>Sends <paramref name="body"/> as <paramref name="mediaType"/>; fails the test unless the server answers
    /// with success; the object it answers.</summary>
    public async Task<JsonObject> SendAsync(HttpMethod method, string path, JsonNode body, string mediaType, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, mediaType) };
        using var response = await Http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
        return (JsonObject)JsonNode.Parse(text)!;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Api.DisposeAsync();
        Work.Delete(recursive: true);
    }
}
