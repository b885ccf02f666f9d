using Linnet.ControlPlane.Core.Kinds;

namespace Linnet.Platform.Kubernetes.Cluster;

/// <summary>A resource type the control plane lists and watches in the cluster.</summary>
/// <param name="Group">The API group (<c>""</c> for core).</param>
/// <param name="Version">The version read.</param>
/// <param name="Plural">The resource name in URLs.</param>
/// <param name="Kind">The kind.</param>
public sealed record WatchedType(string Group, string Version, string Plural, string Kind)
{
    /// <summary>Core Services.</summary>
    public static WatchedType Services { get; } = new("", "v1", "services", "Service");

    /// <summary>Core Pods: addresses, readiness and service accounts of the mesh's instances.</summary>
    public static WatchedType Pods { get; } = new("", "v1", "pods", "Pod");

    /// <summary>Core Namespaces (cluster-scoped): their annotations, for the proxy injector.</summary>
    public static WatchedType Namespaces { get; } = new("", "v1", "namespaces", "Namespace");

    /// <summary>EndpointSlices (discovery.k8s.io/v1): the one source of a Service's endpoints.</summary>
    public static WatchedType EndpointSlices { get; } = new("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice");

    /// <summary>Deployments (apps/v1): the Kubernetes counterpart of a Workload.</summary>
    public static WatchedType Deployments { get; } = new("apps", "v1", "deployments", "Deployment");

    /// <summary>Linnet's records, written by the control plane (<c>Approval</c>, <c>ReleaseVerdict</c>): kept on the cluster
    /// as the install's custom resources, so they survive a restart of the control plane (<see cref="ClusterRecordWriter"/>).</summary>
    public static IReadOnlyList<WatchedType> Records { get; } =
    [
        .. ResourceKinds.All
            .Where(k => k.Spec is not null && k.Author == KindAuthor.ControlPlane)
            .SelectMany(k => k.ApiVersions.GroupBy(ResourceKind.GroupOf).Select(g => new WatchedType(g.Key, ResourceKind.VersionOf(g.First()), k.Plural, k.Name))),
    ];

    /// <summary>The apiVersion of its objects.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>Services, Pods, EndpointSlices, Deployments, one type per API group of every registry kind users write that has a CRD
    /// (Gateway API routes, Linkerd's policy kinds, Flagger's kinds …), and Linnet's <see cref="Records"/>: what the store on a
    /// cluster holds.</summary>
    public static IReadOnlyList<WatchedType> All { get; } =
    [
        Services,
        Pods,
        EndpointSlices,
        Deployments,
        .. ResourceKinds.All
            .Where(k => k.Spec is not null && k.Author == KindAuthor.User)
            .SelectMany(k => k.ApiVersions.GroupBy(ResourceKind.GroupOf).Select(g => new WatchedType(g.Key, ResourceKind.VersionOf(g.First()), k.Plural, k.Name))),
        .. Records,
    ];

    /// <inheritdoc />
    public override string ToString() => Group.Length == 0 ? Plural : $"{Plural}.{Group}";
}
