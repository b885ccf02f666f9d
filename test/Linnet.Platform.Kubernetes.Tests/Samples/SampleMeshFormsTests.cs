using System.Text.Json.Nodes;
using Linnet.Api.Policy;
using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Policy;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Core.Translation;
using Linnet.Platform.Kubernetes.Cluster;
using Linnet.Platform.Kubernetes.Injection;
using Linnet.Platform.Kubernetes.Tests.Cluster;
using Linnet.Platform.Kubernetes.Tests.Injection;
using Linnet.Platform.Kubernetes.Yaml;
using Linnet.Testing.Kubernetes;

namespace Linnet.Platform.Kubernetes.Tests.Samples;

/// <summary>The sample mesh in its two forms — <c>samples/demo/mesh.yaml</c> (universal mode: Services and Workloads)
/// and <c>samples/demo/kubernetes/mesh.yaml</c> (Services, ServiceAccounts and Deployments) — is one mesh: each run
/// as its platform runs it (the universal one applied to a store with the instances the supervisor reports; the
/// Kubernetes one created in the fake API server with the pods, injected as the webhook injects them, and the
/// EndpointSlices the cluster's controllers would write, then mirrored by the control plane's informers), the
/// control plane's translation gives the same services, endpoints, identities, routes and inbound policy.</summary>
public sealed class SampleMeshFormsTests
{
    private const string Ns = "default";
    private static readonly string[] Apps = ["web", "backend", "greeter", "load"];

    private static string Sample(string relative) => File.ReadAllText(Path.Combine(Repository.Root, "samples", "demo", relative));

    // Where replica i of app k runs, the same address on both platforms (so endpoints can be compared whole).
    private static string Address(string app, int replica) => $"10.42.{Array.IndexOf(Apps, app) + 1}.{replica + 1}";

    // What a proxy is given for a service port, less what names the platform's own objects (instance and pod names)
    // or is universal mode's alone (the per-instance local port).
    private sealed record ServiceView(string Key, string Protocol, IReadOnlyList<EndpointView> Endpoints, IReadOnlyList<MeshRoute> Routes, RetryBudgetPolicy RetryBudget, FailureAccrualPolicy? CircuitBreaker)
    {
        public bool Equals(ServiceView? other) => other is not null && Key == other.Key && Protocol == other.Protocol
            && Endpoints.SequenceEqual(other.Endpoints) && Routes.SequenceEqual(other.Routes) && RetryBudget.Equals(other.RetryBudget) && Equals(CircuitBreaker, other.CircuitBreaker);

        public override int GetHashCode() => Key.GetHashCode(StringComparison.Ordinal);

        public override string ToString() => $"{Key} {Protocol} [{string.Join(", ", Endpoints)}] routes={Routes.Count}";
    }

    private sealed record EndpointView(string Address, int Port, int Weight, string Identity, bool Meshed, string Workload, string ServiceAccount);

    private static List<ServiceView> View(MeshView mesh) => mesh.Services
        .Select(s => new ServiceView(s.Key, s.Protocol, s.Endpoints.Select(e => new EndpointView(e.Address, e.Port, e.Weight, e.Identity, e.Meshed, e.Workload, e.ServiceAccount)).OrderBy(e => e.Address, StringComparer.Ordinal).ToList(), s.Routes, s.RetryBudget, s.CircuitBreaker))
        .OrderBy(s => s.Key, StringComparer.Ordinal)
        .ToList();

    [Fact]
    public async Task SampleMesh_UniversalAndKubernetesForms_TranslateToTheSameMesh()
    {
        var universal = await UniversalAsync();
        await using var cluster = await ClusterHarness.StartAsync([FakeResourceType.ServiceAccounts]);
        var kubernetes = await KubernetesAsync(cluster);

        var universalView = View(MeshTranslator.Translate(universal, MeshTranslator.DefaultTrustDomain, EndpointSource.Selector));
        var kubernetesView = View(MeshTranslator.Translate(kubernetes, MeshTranslator.DefaultTrustDomain, EndpointSource.EndpointSlices));

        // The demo's three Services, each with its replicas' proxies as endpoints under the app's own identity.
        Assert.Equal(["backend.default:80", "greeter.default:80", "web.default:80"], universalView.Select(s => s.Key));
        var backend = universalView.Single(s => s.Key == "backend.default:80");
        Assert.Equal(
            [new EndpointView("10.42.2.1", 4143, 1, "spiffe://cluster.local/ns/default/sa/backend", true, "backend", "backend"), new EndpointView("10.42.2.2", 4143, 1, "spiffe://cluster.local/ns/default/sa/backend", true, "backend", "backend")],
            backend.Endpoints);
        Assert.Equal("grpc", universalView.Single(s => s.Key == "greeter.default:80").Protocol);
        Assert.Equal(universalView, kubernetesView);

        // Authorization: every app's instances get the same inbound policy on both platforms.
        foreach (var app in Apps)
        {
            var universalInstance = universal.OfKind<InstanceResource>().First(i => i.Spec.Workload == app);
            var pod = kubernetes.OfKind<InstanceResource>().First(i => i.Spec.Workload == app);
            Assert.Equal(
                PolicyTranslator.Translate(universal, Ns, app, universalInstance.Metadata.Name, DefaultInboundPolicies.AllUnauthenticated, MeshTranslator.DefaultTrustDomain),
                PolicyTranslator.Translate(kubernetes, Ns, app, pod.Metadata.Name, DefaultInboundPolicies.AllUnauthenticated, MeshTranslator.DefaultTrustDomain));
        }

        // A Workload's counterpart is a Deployment: the same replicas and pod labels.
        var workloads = universal.OfKind<WorkloadResource>().ToDictionary(w => w.Metadata.Name);
        var deployments = kubernetes.OfKind<DeploymentResource>().ToDictionary(d => d.Metadata.Name);
        Assert.Equal(workloads.Keys.Order(StringComparer.Ordinal), deployments.Keys.Order(StringComparer.Ordinal));
        Assert.All(workloads.Values, w =>
        {
            Assert.Equal(w.Spec.Replicas, deployments[w.Metadata.Name].Spec.Replicas);
            Assert.Equal(w.Metadata.Labels.OrderBy(kv => kv.Key, StringComparer.Ordinal), deployments[w.Metadata.Name].Spec.TemplateLabels.OrderBy(kv => kv.Key, StringComparer.Ordinal));
        });
    }

    [Fact]
    public void KubernetesForm_EveryDeploymentIsInjected_AndItsServicesAreTheUniversalOnes()
    {
        var text = Sample("kubernetes/mesh.yaml");

        var injected = ManifestInjector.Inject(text, "mesh.yaml", InjectFixture.Settings);

        Assert.Empty(injected.Errors);
        Assert.Equal(Apps.Select(a => $"deployment \"{a}\" injected"), injected.Report);
        var kubernetesServices = ManifestYaml.Read(text).Cast<JsonObject>().Where(o => (string?)o["kind"] == "Service").ToList();
        var universalServices = ManifestYaml.Read(Sample("mesh.yaml")).Cast<JsonObject>().Where(o => (string?)o["kind"] == "Service").ToList();
        Assert.Equal(universalServices.Select(s => s.ToJsonString()), kubernetesServices.Select(s => s.ToJsonString()));
    }

    // Universal mode: the manifest applied as linnet apply parses it, and the Instances the supervisor reports once
    // every replica is ready (its labels, address, service account, ports, proxy ports).
    private static async Task<StoreSnapshot> UniversalAsync()
    {
        var parsed = ManifestParser.Parse(Sample("mesh.yaml"), "mesh.yaml");
        Assert.True(parsed.IsValid, string.Join("\n", parsed.Errors));
        var changes = parsed.Resources.Select(r => (StoreChange)new PutChange(r)).ToList();
        foreach (var workload in parsed.Resources.OfType<WorkloadResource>())
        {
            for (var i = 0; i < workload.Spec.Replicas; i++)
            {
                changes.Add(new PutChange(new InstanceResource
                {
                    Metadata = new ObjectMeta { Name = $"{workload.Metadata.Name}-{i}", Namespace = Ns, Labels = workload.Metadata.Labels },
                    Spec = new InstanceSpec(workload.Metadata.Name, Address(workload.Metadata.Name, i), workload.Spec.ServiceAccount, workload.Spec.Ports, 4143, 4191, Ready: true, workload.Spec.Version),
                }));
            }
        }

        using var store = new InMemoryResourceStore();
        await store.CommitAsync(changes, TestContext.Current.CancellationToken);
        return store.Snapshot();
    }

    // Kubernetes: kubectl apply of the manifest; then what the cluster does with it — each Deployment's pods (the
    // ReplicaSet's, injected by the webhook, scheduled and Ready as the kubelet reports) and each Service's
    // EndpointSlice (the ready pods its selector picks, on its ports by name) — mirrored by the informers.
    private static async Task<StoreSnapshot> KubernetesAsync(ClusterHarness cluster)
    {
        var text = Sample("kubernetes/mesh.yaml");
        var objects = ManifestYaml.Read(text).Cast<JsonObject>().ToList();
        foreach (var o in objects)
        {
            var collection = (string)o["kind"]! switch
            {
                "Service" => $"/api/v1/namespaces/{Ns}/services",
                "ServiceAccount" => $"/api/v1/namespaces/{Ns}/serviceaccounts",
                "Deployment" => $"/apis/apps/v1/namespaces/{Ns}/deployments",
                var kind => throw new InvalidOperationException($"the sample holds a {kind}, which this test does not create"),
            };
            await cluster.CreateAsync(collection, o);
        }

        var injected = ManifestYaml.Read(ManifestInjector.Inject(text, "mesh.yaml", InjectFixture.Settings).Output).Cast<JsonObject>()
            .Where(o => (string?)o["kind"] == "Deployment")
            .ToList();
        var pods = new List<(string Name, IReadOnlyDictionary<string, string> Labels, string Address)>();
        foreach (var deployment in injected)
        {
            var name = (string)deployment["metadata"]!["name"]!;
            var template = deployment["spec"]!["template"]!;
            var replicaSet = $"{name}-5d8f7c9b4";
            for (var i = 0; i < deployment["spec"]!["replicas"]!.GetValue<long>(); i++)
            {
                var podName = $"{replicaSet}-{(char)('a' + i)}x7q2";
                var labels = (JsonObject)template["metadata"]!["labels"]!.DeepClone();
                labels["pod-template-hash"] = "5d8f7c9b4";
                await cluster.CreateAsync($"/api/v1/namespaces/{Ns}/pods", new JsonObject
                {
                    ["apiVersion"] = "v1",
                    ["kind"] = "Pod",
                    ["metadata"] = new JsonObject
                    {
                        ["name"] = podName,
                        ["labels"] = labels,
                        ["annotations"] = template["metadata"]!["annotations"]?.DeepClone(),
                        ["ownerReferences"] = new JsonArray(new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "ReplicaSet", ["name"] = replicaSet, ["uid"] = Guid.NewGuid().ToString(), ["controller"] = true }),
                    },
                    ["spec"] = template["spec"]!.DeepClone(),
                });
                await cluster.SetPodStatusAsync(Ns, podName, Address(name, i), ready: true);
                pods.Add((podName, labels.ToDictionary(kv => kv.Key, kv => (string)kv.Value!), Address(name, i)));
            }
        }

        foreach (var service in objects.Where(o => (string?)o["kind"] == "Service"))
        {
            var name = (string)service["metadata"]!["name"]!;
            var selector = service["spec"]!["selector"]!.AsObject().ToDictionary(kv => kv.Key, kv => (string)kv.Value!);
            var selected = pods.Where(p => selector.All(kv => p.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value)).ToList();
            await cluster.CreateAsync($"/apis/discovery.k8s.io/v1/namespaces/{Ns}/endpointslices", new JsonObject
            {
                ["apiVersion"] = "discovery.k8s.io/v1",
                ["kind"] = "EndpointSlice",
                ["metadata"] = new JsonObject { ["name"] = $"{name}-h7k2p", ["labels"] = new JsonObject { ["kubernetes.io/service-name"] = name } },
                ["addressType"] = "IPv4",
                ["endpoints"] = new JsonArray([.. selected.Select(p => (JsonNode)new JsonObject
                {
                    ["addresses"] = new JsonArray(p.Address),
                    ["conditions"] = new JsonObject { ["ready"] = true, ["serving"] = true, ["terminating"] = false },
                    ["targetRef"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = Ns, ["name"] = p.Name },
                })]),
                ["ports"] = new JsonArray([.. service["spec"]!["ports"]!.AsArray().Select(port => (JsonNode)new JsonObject
                {
                    ["name"] = port!["name"]?.DeepClone(),
                    ["port"] = port["targetPort"]!.DeepClone(),
                    ["protocol"] = "TCP",
                    ["appProtocol"] = port["appProtocol"]?.DeepClone(),
                })]),
            });
        }

        foreach (var type in new[] { WatchedType.Services, WatchedType.Pods, WatchedType.Deployments, WatchedType.All.Single(t => t.Plural == "endpointslices") })
        {
            await cluster.InformAsync(type);
        }

        var podCount = pods.Count;
        return await cluster.WaitForAsync(
            s => s.OfKind<InstanceResource>().Count(i => i.Spec.Ready) == podCount && s.OfKind<EndpointSliceResource>().Count() == 3 && s.OfKind<DeploymentResource>().Count() == Apps.Length && s.OfKind<ServiceResource>().Count() == 3,
            "every pod, slice, Deployment and Service mirrored");
    }
}
