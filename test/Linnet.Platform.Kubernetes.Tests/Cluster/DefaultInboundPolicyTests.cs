using System.Text.Json.Nodes;
using Linnet.Api.Policy;
using Linnet.ControlPlane.Core.Policy;
using Linnet.ControlPlane.Core.Resources;
using Linnet.Platform.Kubernetes.Cluster;
using Linnet.Platform.Kubernetes.Injection;
using Linnet.Platform.Kubernetes.Tests.Injection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Linnet.Platform.Kubernetes.Tests.Cluster;

/// <summary><c>config.linkerd.io/default-inbound-policy</c> on a cluster, as Linkerd's authorization-policy reference
/// describes it: set on a pod or on its namespace, overriding the install's default, the pod's over its namespace's.
/// As Linkerd's injector does, the pod inherits its namespace's annotation when it has none of its own, and the control
/// plane serves each pod the policy its annotation names; a value that is not a policy is refused with the reason.</summary>
public sealed class DefaultInboundPolicyTests : IAsyncLifetime
{
    private const string MeshDefault = DefaultInboundPolicies.AllUnauthenticated;
    private ClusterHarness _cluster = null!;
    private ClusterNamespaces _namespaces = null!;

    public async ValueTask InitializeAsync()
    {
        _cluster = await ClusterHarness.StartAsync();
        _namespaces = new ClusterNamespaces();
    }

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    private static JsonObject Pod(string name, string ns, IReadOnlyDictionary<string, string>? annotations = null)
    {
        var pod = ClusterHarness.MeshedPod(name, name, name, 8080);
        pod["spec"]!["initContainers"] = new JsonArray(); // not injected yet: the injector adds the proxy
        pod["metadata"]!["namespace"] = ns;
        if (annotations is not null)
        {
            pod["metadata"]!["annotations"] = new JsonObject(annotations.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)JsonValue.Create(a.Value))));
        }

        return pod;
    }

    [Fact]
    public void Injector_NamespacePolicyAndPodWithoutOne_PodInheritsTheNamespaces()
    {
        var pod = Pod("web", "shop");
        var result = ProxyInjector.Mutate(pod, Namespace("deny"), InjectFixture.Settings, explicitRequest: false);

        JsonPatch.Apply(pod, result.Patch);

        Assert.Equal(InjectionOutcome.Injected, result.Outcome);
        Assert.Equal("deny", (string?)pod["metadata"]!["annotations"]![DefaultInboundPolicies.Annotation]);
    }

    [Fact]
    public void Injector_PodsOwnPolicy_WinsOverTheNamespaces()
    {
        var pod = Pod("web", "shop", new Dictionary<string, string> { [DefaultInboundPolicies.Annotation] = "all-authenticated" });
        var result = ProxyInjector.Mutate(pod, Namespace("deny"), InjectFixture.Settings, explicitRequest: false);

        JsonPatch.Apply(pod, result.Patch);

        Assert.Equal(InjectionOutcome.Injected, result.Outcome);
        Assert.Equal("all-authenticated", (string?)pod["metadata"]!["annotations"]![DefaultInboundPolicies.Annotation]);
    }

    [Theory]
    [InlineData("namespace", "allow-all", "namespace.metadata.annotations[config.linkerd.io/default-inbound-policy]", "'allow-all' is not one of: all-unauthenticated, all-authenticated, deny, audit")]
    [InlineData("pod", "cluster-authenticated", "metadata.annotations[config.linkerd.io/default-inbound-policy]", "'cluster-authenticated' is not supported: Linnet has no cluster networks")]
    [InlineData("pod", "cluster-unauthenticated", "metadata.annotations[config.linkerd.io/default-inbound-policy]", "'cluster-unauthenticated' is not supported: Linnet has no cluster networks")]
    public void Injector_NotAPolicy_RefusedNamingTheAnnotationAndNothingPatched(string where, string value, string path, string reason)
    {
        var podAnnotations = where == "pod" ? new Dictionary<string, string> { [DefaultInboundPolicies.Annotation] = value } : null;
        var result = ProxyInjector.Mutate(Pod("web", "shop", podAnnotations), where == "namespace" ? Namespace(value) : Namespace(null), InjectFixture.Settings, explicitRequest: false);

        Assert.Equal(InjectionOutcome.Refused, result.Outcome);
        Assert.Empty(result.Patch);
        var error = Assert.Single(result.Errors);
        Assert.Equal(path, error.Path);
        Assert.StartsWith(reason, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cluster_PodsInjectedFromAnnotatedNamespaces_ServedThePolicyTheirAnnotationOrNamespaceNames()
    {
        await _cluster.InformAsync(WatchedType.Pods);
        var namespaces = new ClusterInformer(_cluster.Api, WatchedType.Namespaces, _namespaces, TimeProvider.System, NullLogger.Instance);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var informing = Task.Run(() => namespaces.RunAsync(stop.Token), TestContext.Current.CancellationToken);
        await CreateNamespaceAsync("locked", "deny");
        await CreateNamespaceAsync("open", null);
        await WaitForNamespaceAsync("locked", "deny");

        // Created as the ReplicaSet controller would, through the injector with the namespace's annotations as the
        // webhook reads them from its informer.
        await CreateInjectedAsync("web", "locked", null, "10.0.0.1");
        await CreateInjectedAsync("api", "locked", "all-authenticated", "10.0.0.2");
        await CreateInjectedAsync("db", "open", null, "10.0.0.3");
        await CreateInjectedAsync("cache", "open", "audit", "10.0.0.4");
        // Not through the injector (injection off, or annotated afterwards): the value reaches the mirror as it is.
        var rogue = Pod("rogue", "open", new Dictionary<string, string> { [DefaultInboundPolicies.Annotation] = "allow-everything" });
        await _cluster.CreateAsync("/api/v1/namespaces/open/pods", rogue);
        await _cluster.SetPodStatusAsync("open", "rogue", "10.0.0.9", ready: true);

        var snapshot = await _cluster.WaitForAsync(
            s => new[] { ("locked", "web"), ("locked", "api"), ("open", "db"), ("open", "cache"), ("open", "rogue") }.All(p => s.Resources.ContainsKey(new ResourceKey("Instance", p.Item1, p.Item2))),
            "every pod mirrored");

        string Served(string ns, string pod) => PolicyTranslator.Translate(snapshot, ns, pod, pod, MeshDefault, "cluster.local").DefaultPolicy;
        Assert.Equal("deny", Served("locked", "web"));                 // the namespace's
        Assert.Equal("all-authenticated", Served("locked", "api"));    // the pod's own, over its namespace's
        Assert.Equal(MeshDefault, Served("open", "db"));               // neither: the install's default
        Assert.Equal("audit", Served("open", "cache"));
        Assert.Equal("deny", Served("open", "rogue"));                 // not a policy: fails closed, and says so
        var reason = Assert.Single(_cluster.Mirror.NotActedOn, kv => kv.Key == "Pod open/rogue").Value;
        Assert.Contains("config.linkerd.io/default-inbound-policy]: 'allow-everything' is not one of:", reason, StringComparison.Ordinal);
        Assert.Contains("deny until the annotation is fixed", reason, StringComparison.Ordinal);

        await stop.CancelAsync();
        await informing;
    }

    private async Task CreateInjectedAsync(string name, string ns, string? policy, string ip)
    {
        var pod = Pod(name, ns, policy is null ? null : new Dictionary<string, string> { [DefaultInboundPolicies.Annotation] = policy });
        var result = ProxyInjector.Mutate(pod, _namespaces.Annotations(ns), InjectFixture.Settings, explicitRequest: true);
        Assert.Equal(InjectionOutcome.Injected, result.Outcome);
        JsonPatch.Apply(pod, result.Patch);
        await _cluster.CreateAsync($"/api/v1/namespaces/{ns}/pods", pod);
        await _cluster.SetPodStatusAsync(ns, name, ip, ready: true);
    }

    private Task<JsonObject> CreateNamespaceAsync(string name, string? policy)
    {
        var metadata = new JsonObject { ["name"] = name };
        if (policy is not null)
        {
            metadata["annotations"] = new JsonObject { [DefaultInboundPolicies.Annotation] = policy };
        }

        return _cluster.CreateAsync("/api/v1/namespaces", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = metadata });
    }

    private async Task WaitForNamespaceAsync(string name, string policy)
    {
        var deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(30);
        while (_namespaces.Annotations(name).GetValueOrDefault(DefaultInboundPolicies.Annotation) != policy)
        {
            Assert.True(TimeProvider.System.GetUtcNow() < deadline, $"the namespace informer never showed {name}'s annotation");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    private static Dictionary<string, string> Namespace(string? policy)
    {
        var annotations = new Dictionary<string, string> { ["linkerd.io/inject"] = "enabled" };
        if (policy is not null)
        {
            annotations[DefaultInboundPolicies.Annotation] = policy;
        }

        return annotations;
    }
}
