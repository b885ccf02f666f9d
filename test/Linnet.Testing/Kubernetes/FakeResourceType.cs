namespace Linnet.Testing.Kubernetes;

/// <summary>A resource type the fake API server serves: its group (<c>""</c> for core), version, plural, kind,
/// whether it is namespaced and whether it has a <c>status</c> subresource.</summary>
public sealed record FakeResourceType(string Group, string Version, string Plural, string Kind, bool Namespaced = true, bool HasStatus = false)
{
    /// <summary>The apiVersion objects of this type carry.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The path prefix of the type's group and version (<c>/api/v1</c> or <c>/apis/g/v</c>).</summary>
    public string Prefix => Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";

    /// <summary>Pods (core v1, with status).</summary>
    public static FakeResourceType Pods { get; } = new("", "v1", "pods", "Pod", HasStatus: true);

    /// <summary>Services (core v1, with status).</summary>
    public static FakeResourceType Services { get; } = new("", "v1", "services", "Service", HasStatus: true);

    /// <summary>Namespaces (core v1, cluster-scoped, with status).</summary>
    public static FakeResourceType Namespaces { get; } = new("", "v1", "namespaces", "Namespace", Namespaced: false, HasStatus: true);

    /// <summary>EndpointSlices (discovery.k8s.io/v1).</summary>
    public static FakeResourceType EndpointSlices { get; } = new("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice");

    /// <summary>Leases (coordination.k8s.io/v1).</summary>
    public static FakeResourceType Leases { get; } = new("coordination.k8s.io", "v1", "leases", "Lease");

    /// <summary>Deployments (apps/v1, with status).</summary>
    public static FakeResourceType Deployments { get; } = new("apps", "v1", "deployments", "Deployment", HasStatus: true);
}
