using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.Platform.Kubernetes.Cluster;
using Linnet.Testing.Kubernetes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Linnet.Platform.Kubernetes.Tests.Cluster;

/// <summary>The writer of Keel-style image updates of Deployments against the fake API server: a merge patch of the
/// pod template's containers conditional on the resourceVersion the mirror saw, so a concurrent change is never
/// overwritten; nothing written by a replica that does not lead.</summary>
public sealed class ClusterDeploymentWriterTests : IAsyncLifetime
{
    private const string Path = "/apis/apps/v1/namespaces/default/deployments";
    private static readonly ResourceKey Key = new(DeploymentResource.KindName, "default", "web");
    private ClusterHarness _cluster = null!;

    public async ValueTask InitializeAsync() => _cluster = await ClusterHarness.StartAsync();

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Write_ConcurrentChangeOnTheCluster_NotOverwritten_ThenWrittenOnceTheMirrorSeesIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var created = await _cluster.CreateAsync(Path, Deployment());
        await _cluster.Mirror.UpsertAsync(WatchedType.Deployments, created, ct);
        var planned = (DeploymentResource)_cluster.Store.Snapshot().Resources[Key];
        var writer = Writer(leading: true);

        // Someone sets the image meanwhile (kubectl set image); the mirror has not seen it yet.
        var changed = await _cluster.SendAsync(HttpMethod.Patch, Path + "/web", JsonNode.Parse("""{"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "registry.example/web:1.2.5"}, {"name": "log", "image": "registry.example/log:3"}]}}}}"""), "application/merge-patch+json");

        await Assert.ThrowsAsync<ConflictException>(() => writer.WriteAsync(planned, new Dictionary<string, string> { ["web"] = "registry.example/web:1.3.0" }, ct));
        Assert.Equal("registry.example/web:1.2.5", ImageOn("web"));
        Assert.Equal(0, writer.Writes);

        // The watch brings the change: the old plan no longer matches the Deployment, and is refused without a request.
        await _cluster.Mirror.UpsertAsync(WatchedType.Deployments, changed, ct);
        var requests = _cluster.Server.Requests.Count;
        await Assert.ThrowsAsync<ConflictException>(() => writer.WriteAsync(planned, new Dictionary<string, string> { ["web"] = "registry.example/web:1.3.0" }, ct));
        Assert.Equal(requests, _cluster.Server.Requests.Count);

        // Planned again from what the cluster holds: written, the other container kept as it is.
        var replanned = (DeploymentResource)_cluster.Store.Snapshot().Resources[Key];
        await writer.WriteAsync(replanned, new Dictionary<string, string> { ["web"] = "registry.example/web:1.3.0" }, ct);
        Assert.Equal("registry.example/web:1.3.0", ImageOn("web"));
        Assert.Equal("registry.example/log:3", ImageOn("log"));
        Assert.Equal(1, writer.Writes);
    }

    [Fact]
    public async Task Write_NotLeading_NothingWritten()
    {
        var ct = TestContext.Current.CancellationToken;
        var created = await _cluster.CreateAsync(Path, Deployment());
        await _cluster.Mirror.UpsertAsync(WatchedType.Deployments, created, ct);
        var planned = (DeploymentResource)_cluster.Store.Snapshot().Resources[Key];
        var writer = Writer(leading: false);

        Assert.False(writer.CanWrite);
        await Assert.ThrowsAsync<InvalidOperationException>(() => writer.WriteAsync(planned, new Dictionary<string, string> { ["web"] = "registry.example/web:1.3.0" }, ct));

        Assert.Equal("registry.example/web:1.2.0", ImageOn("web"));
        Assert.DoesNotContain(_cluster.Server.Requests, r => r.Method == "PATCH");
    }

    private ClusterDeploymentWriter Writer(bool leading) =>
        new(_cluster.Mirror, _cluster.Api, () => leading, TimeProvider.System, NullLogger.Instance);

    private string? ImageOn(string container) =>
        (_cluster.Server.Get(FakeResourceType.Deployments, "default", "web")!["spec"]!["template"]!["spec"]!["containers"] as JsonArray ?? [])
            .OfType<JsonObject>().Single(c => c["name"]!.GetValue<string>() == container)["image"]!.GetValue<string>();

    private static JsonObject Deployment() => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "Deployment",
        ["metadata"] = new JsonObject { ["name"] = "web", ["annotations"] = new JsonObject { ["keel.sh/policy"] = "minor" } },
        ["spec"] = new JsonObject
        {
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "web" } },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = "web" } },
                ["spec"] = new JsonObject
                {
                    ["containers"] = new JsonArray(
                        new JsonObject { ["name"] = "web", ["image"] = "registry.example/web:1.2.0" },
                        new JsonObject { ["name"] = "log", ["image"] = "registry.example/log:3" }),
                },
            },
        },
    };
}
