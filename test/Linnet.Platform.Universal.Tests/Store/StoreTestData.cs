using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.Platform.Universal.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Linnet.Platform.Universal.Tests.Store;

/// <summary>Resources of every kind, and helpers to open and compare stores.</summary>
internal static class StoreTestData
{
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static Task<FileResourceStore> OpenAsync(string directory, FileStoreOptions? options = null, ILogger<FileResourceStore>? logger = null) =>
        FileResourceStore.OpenAsync(directory, logger ?? NullLogger<FileResourceStore>.Instance, options, Ct);

    /// <summary>Every resource as its stored JSON line (versions included), by key.</summary>
    public static SortedDictionary<string, string> Dump(IResourceStore store)
    {
        var dump = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, resource) in store.Snapshot().Resources)
        {
            dump[key.ToString()] = ResourceWriter.ToJsonLine(resource);
        }

        return dump;
    }

    public static PutChange Put(Resource resource) => new(resource);

    public static ServiceResource Service(string name, int targetPort = 8080, IReadOnlyDictionary<int, int>? localPorts = null, IReadOnlyDictionary<string, string>? annotations = null) => new()
    {
        Metadata = new ObjectMeta
        {
            Name = name,
            Labels = new Dictionary<string, string> { ["app"] = name },
            Annotations = annotations ?? new Dictionary<string, string>(),
        },
        Spec = new ServiceSpec(new Dictionary<string, string> { ["app"] = name }, [new ServicePort("http", 80, targetPort, "http")]),
        Status = localPorts is null ? ServiceStatus.Empty : new ServiceStatus(localPorts),
    };

    public static WorkloadResource Workload(string name, int replicas = 1) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = "shop", Labels = new Dictionary<string, string> { ["app"] = name } },
        Spec = new WorkloadSpec(replicas, name, "/usr/bin/app", ["--port", "8080"], [new EnvVar("MODE", "fast")], "/srv", [8080], [9000], "1.2.3"),
    };

    // Namespaces spelled out: the manifest reader fills them in, so this is the form stored resources have.
    public static HttpRouteResource Route(string name, string parent) => new()
    {
        Metadata = new ObjectMeta { Name = name },
        Spec = new HttpRouteSpec(
            [new ParentRef(parent, "default", 80)],
            [
                new HttpRouteRule(
                    [new HttpRouteMatch(new PathMatch("PathPrefix", "/api"), [new HeaderMatch("Exact", "x-canary", "1")])],
                    [new BackendRef(parent, "default", 80, 90), new BackendRef(parent + "-canary", "default", 80, 10)]),
            ]),
    };

    public static InstanceResource Instance(string name, string workload) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = "shop", Labels = new Dictionary<string, string> { ["app"] = workload } },
        Spec = new InstanceSpec(workload, "127.0.10.2", workload, [8080], 41430, 41910, Ready: true, Version: "1.2.3"),
    };
}
