using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Core.Translation;
using Linnet.Platform.Kubernetes.Cluster;

namespace Linnet.Platform.Kubernetes.Tests.Cluster;

/// <summary>Informers against the fake API server through KubernetesClient: what is created, changed and deleted in
/// the cluster reaches the store and the view proxies are sent; dropped watches resume; a 410 relists.</summary>
public sealed class ClusterInformerTests : IAsyncLifetime
{
    private ClusterHarness _cluster = null!;

    public async ValueTask InitializeAsync() => _cluster = await ClusterHarness.StartAsync();

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    private static MeshService? WebService(StoreSnapshot snapshot) =>
        MeshTranslator.Translate(snapshot, endpointSource: EndpointSource.EndpointSlices).Services.FirstOrDefault(s => s.Key == "web.default:80");

    private const string Slices = "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices";

    [Fact]
    public async Task ServicePodAndEndpointSlice_CreatedChangedDeleted_ReachTheProxiesView()
    {
        await _cluster.InformAsync(WatchedType.Services);
        await _cluster.InformAsync(WatchedType.Pods);
        await _cluster.InformAsync(WatchedType.EndpointSlices);

        await _cluster.CreateAsync("/api/v1/namespaces/default/services", ClusterHarness.Service("web", 80, 8080, "web"));
        await _cluster.CreateAsync("/api/v1/namespaces/default/pods", ClusterHarness.MeshedPod("web-1", "web", "web-sa", 8080));
        await _cluster.SetPodStatusAsync("default", "web-1", "10.1.0.5", ready: true);
        // Services and Pods come through two informers: wait for both the pod and the service, in either order.
        var mirrored = await _cluster.WaitForAsync(s => s.Resources.ContainsKey(new ResourceKey(InstanceResource.KindName, "default", "web-1")) && WebService(s) is not null, "the pod and the service");

        // A ready pod is no endpoint until a slice says so: the slices are the source.
        Assert.Empty(WebService(mirrored)!.Endpoints);
        await _cluster.CreateAsync(Slices, ClusterHarness.EndpointSlice("web-abc12", "web", 8080, ("10.1.0.5", true, "web-1")));

        var ready = await _cluster.WaitForAsync(s => WebService(s)?.Endpoints.Count == 1, "web's endpoint");
        var endpoint = WebService(ready)!.Endpoints.Single();
        Assert.Equal(("10.1.0.5", 4143), (endpoint.Address, endpoint.Port)); // the slice's pod is meshed: through its proxy
        Assert.Equal("spiffe://cluster.local/ns/default/sa/web-sa", endpoint.Identity); // the pod's service account
        Assert.Equal("web", endpoint.Workload); // the ReplicaSet's Deployment

        await _cluster.SendAsync(HttpMethod.Put, Slices + "/web-abc12", ClusterHarness.EndpointSlice("web-abc12", "web", 8080, ("10.1.0.5", false, "web-1")));
        await _cluster.WaitForAsync(s => WebService(s) is { Endpoints.Count: 0 }, "web without ready endpoints");

        await _cluster.SendAsync(HttpMethod.Put, Slices + "/web-abc12", ClusterHarness.EndpointSlice("web-abc12", "web", 8080, ("10.1.0.5", true, "web-1")));
        await _cluster.WaitForAsync(s => WebService(s)?.Endpoints.Count == 1, "web's endpoint back");
        await _cluster.SendAsync(HttpMethod.Delete, Slices + "/web-abc12");
        await _cluster.WaitForAsync(s => WebService(s) is { Endpoints.Count: 0 }, "the slice gone");

        await _cluster.SendAsync(HttpMethod.Delete, "/api/v1/namespaces/default/services/web");
        await _cluster.WaitForAsync(s => WebService(s) is null, "the service gone");
    }

    [Fact]
    public async Task Deployment_CreatedPatchedDeleted_MirroredWithContainersImagesAndAnnotations()
    {
        await _cluster.InformAsync(WatchedType.Deployments);
        var key = new ResourceKey(DeploymentResource.KindName, "default", "web");
        const string Path = "/apis/apps/v1/namespaces/default/deployments";

        await _cluster.CreateAsync(Path, new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["metadata"] = new JsonObject { ["name"] = "web", ["annotations"] = new JsonObject { ["keel.sh/policy"] = "minor", ["keel.sh/initContainers"] = "true" } },
            ["spec"] = new JsonObject
            {
                ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "web" } },
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = "web" } },
                    ["spec"] = new JsonObject
                    {
                        ["initContainers"] = new JsonArray(new JsonObject { ["name"] = "migrate", ["image"] = "registry.example/web-migrate:1.2.0" }),
                        ["containers"] = new JsonArray(
                            new JsonObject { ["name"] = "web", ["image"] = "registry.example/web:1.2.0" },
                            new JsonObject { ["name"] = "log", ["image"] = "registry.example/log:3" }),
                    },
                },
            },
        });

        // replicas unset: the API server's default, 1.
        var created = await _cluster.WaitForAsync(s => s.Resources.ContainsKey(key), "the deployment");
        var deployment = (DeploymentResource)created.Resources[key];
        Assert.Equal(1, deployment.Spec.Replicas);
        Assert.Equal("minor", deployment.Metadata.Annotations["keel.sh/policy"]);
        Assert.Equal("web", deployment.Spec.TemplateLabels["app"]);
        Assert.Equal(
            [new DeploymentContainer("migrate", "registry.example/web-migrate:1.2.0", true), new DeploymentContainer("web", "registry.example/web:1.2.0", false), new DeploymentContainer("log", "registry.example/log:3", false)],
            deployment.Spec.Containers);

        // A keel.sh annotation Linnet does not honour leaves the images alone: said so with the reason, not silently ignored.
        Assert.StartsWith("metadata.annotations.keel.sh/initContainers: is not supported", _cluster.Mirror.NotActedOn["Deployment default/web"], StringComparison.Ordinal);

        // Without it the policy is acted on (the update engine's targets), so nothing more is said.
        await _cluster.SendAsync(HttpMethod.Patch, Path + "/web", JsonNode.Parse("""{"metadata": {"annotations": {"keel.sh/initContainers": null}}, "spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "web", "image": "registry.example/web:1.3.0"}]}}}}"""), "application/merge-patch+json");
        var patched = await _cluster.WaitForAsync(s => s.Resources.TryGetValue(key, out var r) && ((DeploymentResource)r).Spec.Replicas == 3, "the deployment scaled and updated");
        Assert.Equal([new DeploymentContainer("migrate", "registry.example/web-migrate:1.2.0", true), new DeploymentContainer("web", "registry.example/web:1.3.0", false)], ((DeploymentResource)patched.Resources[key]).Spec.Containers);
        Assert.False(_cluster.Mirror.NotActedOn.ContainsKey("Deployment default/web"));

        await _cluster.SendAsync(HttpMethod.Delete, Path + "/web");
        await _cluster.WaitForAsync(s => !s.Resources.ContainsKey(key), "the deployment gone");
    }

    [Fact]
    public async Task EndpointSlice_FqdnAddressType_RefusedWithFieldAndKeptOut()
    {
        await _cluster.InformAsync(WatchedType.EndpointSlices);
        var slice = ClusterHarness.EndpointSlice("web-fqdn", "web", 8080, ("10.1.0.5", true, null));
        slice["addressType"] = "FQDN";

        await _cluster.CreateAsync(Slices, slice);
        await _cluster.CreateAsync(Slices, ClusterHarness.EndpointSlice("web-ok", "web", 8080, ("10.1.0.6", true, null)));

        await _cluster.WaitForAsync(s => s.Resources.ContainsKey(new ResourceKey(EndpointSliceResource.KindName, "default", "web-ok")), "the IPv4 slice");
        Assert.False(_cluster.Store.Snapshot().Resources.ContainsKey(new ResourceKey(EndpointSliceResource.KindName, "default", "web-fqdn")));
        Assert.StartsWith("addressType: 'FQDN' is not served", _cluster.Mirror.Refused["EndpointSlice default/web-fqdn"].Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpRoute_GatewayApiObject_AttachesToTheServiceInTheView()
    {
        var routes = WatchedType.All.Single(t => t.Kind == "HTTPRoute" && t.Group == "gateway.networking.k8s.io");
        await _cluster.InformAsync(WatchedType.Services);
        await _cluster.InformAsync(routes);
        await _cluster.CreateAsync("/api/v1/namespaces/default/services", ClusterHarness.Service("web", 80, 8080, "web"));
        await _cluster.CreateAsync("/api/v1/namespaces/default/services", ClusterHarness.Service("web-v2", 80, 8080, "web-v2"));

        await _cluster.CreateAsync($"/apis/{routes.Group}/{routes.Version}/namespaces/default/httproutes", Route("split"));

        var snapshot = await _cluster.WaitForAsync(s => WebService(s)?.Routes.Count == 1, "the route attached");
        var rule = WebService(snapshot)!.Routes.Single().Rules.Single();
        Assert.Equal("default/split", WebService(snapshot)!.Routes.Single().Name);
        Assert.Equal([90, 10], rule.Backends.Select(b => b.Weight));
    }

    [Fact]
    public async Task CustomObject_WithFieldLinnetDoesNotHonour_IsRefusedWithPathAndKeptOut()
    {
        var routes = WatchedType.All.Single(t => t.Kind == "HTTPRoute" && t.Group == "gateway.networking.k8s.io");
        await _cluster.InformAsync(routes);
        var route = Route("odd");
        route["spec"]!["rules"]![0]!["sessionPersistence"] = new JsonObject { ["sessionName"] = "x" };

        await _cluster.CreateAsync($"/apis/{routes.Group}/{routes.Version}/namespaces/default/httproutes", route);
        await _cluster.CreateAsync($"/apis/{routes.Group}/{routes.Version}/namespaces/default/httproutes", Route("fine"));

        await _cluster.WaitForAsync(s => s.Resources.ContainsKey(new ResourceKey("HTTPRoute", "default", "fine")), "the valid route");
        Assert.False(_cluster.Store.Snapshot().Resources.ContainsKey(new ResourceKey("HTTPRoute", "default", "odd")));
        var reasons = Assert.Single(_cluster.Mirror.Refused, r => r.Key == "HTTPRoute default/odd").Value;
        Assert.Contains(reasons, r => r.Contains("sessionPersistence", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DroppedWatch_ResumesFromLastResourceVersion_WithoutRelisting()
    {
        var informer = await _cluster.InformAsync(WatchedType.Pods);
        await _cluster.CreateAsync("/api/v1/namespaces/default/pods", ClusterHarness.MeshedPod("a", "web", "web", 8080));
        await _cluster.SetPodStatusAsync("default", "a", "10.1.0.1", ready: true);
        await _cluster.WaitForAsync(s => s.Resources.ContainsKey(new ResourceKey(InstanceResource.KindName, "default", "a")), "pod a");

        _cluster.Server.DropWatches();
        await _cluster.CreateAsync("/api/v1/namespaces/default/pods", ClusterHarness.MeshedPod("b", "web", "web", 8080));
        await _cluster.SetPodStatusAsync("default", "b", "10.1.0.2", ready: true);

        await _cluster.WaitForAsync(s => s.Resources.ContainsKey(new ResourceKey(InstanceResource.KindName, "default", "b")), "pod b after the drop");
        Assert.Equal(1, informer.Lists);
        Assert.True(informer.Watches >= 2, $"watches opened: {informer.Watches}");
    }

    [Fact]
    public async Task ExpiredWatch_410_RelistsWithoutLosingOrDuplicating()
    {
        var informer = await _cluster.InformAsync(WatchedType.Pods);
        foreach (var (name, ip) in new[] { ("a", "10.1.0.1"), ("c", "10.1.0.3") })
        {
            await _cluster.CreateAsync("/api/v1/namespaces/default/pods", ClusterHarness.MeshedPod(name, "web", "web", 8080));
            await _cluster.SetPodStatusAsync("default", name, ip, ready: true);
        }

        var before = await _cluster.WaitForAsync(s => s.OfKind<InstanceResource>().Count(i => i.Spec.Ready) == 2, "pods a and c");
        var cVersion = before.Resources[new ResourceKey(InstanceResource.KindName, "default", "c")].Metadata.ResourceVersion;

        // The watch is told 410 Expired; what happens next reaches the control plane only through a relist or the
        // new watch after it.
        _cluster.Server.ExpireWatches();
        await _cluster.SendAsync(HttpMethod.Delete, "/api/v1/namespaces/default/pods/a");
        await _cluster.CreateAsync("/api/v1/namespaces/default/pods", ClusterHarness.MeshedPod("b", "web", "web", 8080));
        await _cluster.SetPodStatusAsync("default", "b", "10.1.0.2", ready: true);

        var after = await _cluster.WaitForAsync(
            s => s.OfKind<InstanceResource>().Select(i => i.Metadata.Name).SequenceEqual(["b", "c"]) && s.OfKind<InstanceResource>().All(i => i.Spec.Ready),
            "exactly pods b and c");
        Assert.Equal(2, informer.Lists);
        // c was not re-added or touched by the relist: the same stored version.
        Assert.Equal(cVersion, after.Resources[new ResourceKey(InstanceResource.KindName, "default", "c")].Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Resync_StoreDriftedFromTheCluster_IsRepairedAfterTheResyncPeriod()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        await _cluster.CreateAsync("/api/v1/namespaces/default/services", ClusterHarness.Service("web", 80, 8080, "web"));
        await _cluster.InformAsync(WatchedType.Services, time, TimeSpan.FromMinutes(1));
        var key = new ResourceKey(ServiceResource.KindName, "default", "web");
        var mirrored = (ServiceResource)_cluster.Store.Snapshot().Resources[key];

        // Something else wrote into the store (no cluster event will ever correct it).
        await _cluster.Store.CommitAsync([new PutChange(mirrored with { Spec = mirrored.Spec with { Ports = [new ServicePort("http", 80, 9999, null)] } })], TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(9999, ((ServiceResource)_cluster.Store.Snapshot().Resources[key]).Spec.Ports.Single().TargetPort);

        time.Advance(TimeSpan.FromSeconds(1));
        await _cluster.WaitForAsync(s => ((ServiceResource)s.Resources[key]).Spec.Ports.Single().TargetPort == 8080, "the cluster's Service back after the resync");
    }

    private static JsonObject Route(string name) => new()
    {
        ["apiVersion"] = "gateway.networking.k8s.io/v1",
        ["kind"] = "HTTPRoute",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" },
        ["spec"] = new JsonObject
        {
            ["parentRefs"] = new JsonArray(new JsonObject { ["group"] = "core", ["kind"] = "Service", ["name"] = "web", ["port"] = 80 }),
            ["rules"] = new JsonArray(new JsonObject
            {
                ["backendRefs"] = new JsonArray(
                    new JsonObject { ["name"] = "web", ["port"] = 80, ["weight"] = 90 },
                    new JsonObject { ["name"] = "web-v2", ["port"] = 80, ["weight"] = 10 }),
            }),
        },
    };
}
