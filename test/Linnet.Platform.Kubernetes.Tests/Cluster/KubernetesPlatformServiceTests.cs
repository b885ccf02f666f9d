using System.Text.Json.Nodes;
using k8s;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.Platform.Kubernetes.Cluster;
using Linnet.Testing.Kubernetes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Linnet.Platform.Kubernetes.Tests.Cluster;

/// <summary>Two control-plane replicas, each the platform in its own host over its own store, against one fake API
/// server: both see the cluster; only the Lease holder writes status; the other takes over when the first stops.</summary>
public sealed class KubernetesPlatformServiceTests : IAsyncLifetime
{
    private const string RoutePath = "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes/web";
    private static readonly WatchedType Routes = WatchedType.All.Single(t => t.Kind == "HTTPRoute" && t.Group == "gateway.networking.k8s.io");
    private ClusterHarness _cluster = null!;

    public async ValueTask InitializeAsync() => _cluster = await ClusterHarness.StartAsync();

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    private (IHost Host, InMemoryResourceStore Store, KubernetesPlatformService Platform) Replica(string name)
    {
        var store = new InMemoryResourceStore();
        var client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = _cluster.Server.BaseUri.ToString(), AccessToken = _cluster.Server.Token, UserAgent = name });
        var options = new KubernetesPlatformOptions(new LeadershipOptions("linnet", "linnet-control-plane", name)
        {
            LeaseDuration = TimeSpan.FromSeconds(3),
            RenewDeadline = TimeSpan.FromSeconds(2),
            RetryPeriod = TimeSpan.FromMilliseconds(200),
        });
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IResourceStore>(store);
        builder.Services.AddLinnetKubernetesPlatform(client, options);
        var host = builder.Build();
        return (host, store, host.Services.GetRequiredService<KubernetesPlatformService>());
    }

    private IEnumerable<FakeRequest> StatusWrites => _cluster.Server.Requests.Where(r => r.Method == "PUT" && r.Path == RoutePath + "/status" && r.StatusCode == 200);

    private async Task WaitForStatusAsync(long generation)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (_cluster.Server.Get(ClusterHarness.FakeType(Routes), "default", "web")?["status"]?["parents"] is not JsonArray parents
            || !parents.OfType<JsonObject>().Any(p => p["conditions"]?.AsArray().OfType<JsonObject>().Any(c => c["observedGeneration"]?.GetValue<long>() == generation) == true))
        {
            await Task.Delay(50, timeout.Token); // polling the fake's object: the write is the event waited for
        }
    }

    [Fact]
    public async Task TwoReplicas_BothMirror_OnlyTheLeaderWritesStatus_TheOtherTakesOver()
    {
        var ct = TestContext.Current.CancellationToken;
        var a = Replica("replica-a");
        var b = Replica("replica-b");
        await a.Host.StartAsync(ct);
        await WaitAsync(() => a.Platform.Leadership.IsLeader, "replica-a leading");
        await b.Host.StartAsync(ct);
        await b.Platform.Synced.WaitAsync(TimeSpan.FromSeconds(30), ct);

        await _cluster.CreateAsync("/api/v1/namespaces/default/services", ClusterHarness.Service("web", 80, 8080, "web"));
        await _cluster.CreateAsync("/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes", new JsonObject
        {
            ["apiVersion"] = "gateway.networking.k8s.io/v1",
            ["kind"] = "HTTPRoute",
            ["metadata"] = new JsonObject { ["name"] = "web" },
            ["spec"] = new JsonObject { ["parentRefs"] = new JsonArray(new JsonObject { ["name"] = "web", ["port"] = 80 }), ["rules"] = new JsonArray(new JsonObject { ["backendRefs"] = new JsonArray(new JsonObject { ["name"] = "web", ["port"] = 80 }) }) },
        });
        await WaitForStatusAsync(1);
        await WaitAsync(() => b.Store.Snapshot().Resources.TryGetValue(new ResourceKey("HTTPRoute", "default", "web"), out var r) && ((HttpRouteResource)r).Status.Parents.Count == 1, "replica-b mirroring the written status");

        Assert.All(StatusWrites, w => Assert.Equal("replica-a", w.UserAgent));
        Assert.False(b.Platform.Leadership.IsLeader);
        Assert.Equal(0, b.Platform.StatusWriter.Writes);

        await a.Host.StopAsync(ct);
        await WaitAsync(() => b.Platform.Leadership.IsLeader, "replica-b taking over");
        var writesOfA = StatusWrites.Count();
        await _cluster.SendAsync(HttpMethod.Patch, RoutePath, new JsonObject { ["spec"] = new JsonObject { ["parentRefs"] = new JsonArray(new JsonObject { ["name"] = "web", ["port"] = 81 }) } }, "application/merge-patch+json");
        await WaitForStatusAsync(2);

        Assert.All(StatusWrites.Skip(writesOfA), w => Assert.Equal("replica-b", w.UserAgent));
        await b.Host.StopAsync(ct);
        a.Host.Dispose();
        b.Host.Dispose();
    }

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            if (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"never saw {what}");
            }

            await Task.Delay(50, TestContext.Current.CancellationToken); // polling a state that has no event to wait on
        }
    }
}
