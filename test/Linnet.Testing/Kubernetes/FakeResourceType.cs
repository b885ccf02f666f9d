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

    /// <summary>Secrets (core v1).</summary>
    public static FakeResourceType Secrets { get; } = new("", "v1", "secrets", "Secret");

    /// <summary>ServiceAccounts (core v1).</summary>
    public static FakeResourceType ServiceAccounts { get; } = new("", "v1", "serviceaccounts", "ServiceAccount");

    /// <summary>CustomResourceDefinitions (apiextensions.k8s.io/v1, cluster-scoped, with status).</summary>
    public static FakeResourceType CustomResourceDefinitions { get; } = new("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", Namespaced: false, HasStatus: true);

    /// <summary>ClusterRoles (rbac.authorization.k8s.io/v1, cluster-scoped).</summary>
    public static FakeResourceType ClusterRoles { get; } = new("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", Namespaced: false);

    /// <summary>ClusterRoleBindings (rbac.authorization.k8s.io/v1, cluster-scoped).</summary>
    public static FakeResourceType ClusterRoleBindings { get; } = new("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", Namespaced: false);

    /// <summary>MutatingWebhookConfigurations (admissionregistration.k8s.io/v1, cluster-scoped).</summary>
    public static FakeResourceType MutatingWebhookConfigurations { get; } = new("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "MutatingWebhookConfiguration", Namespaced: false);

    /// <summary>The types <c>linnet install</c> writes beyond the built-in ones every fake serves.</summary>
    public static IReadOnlyList<FakeResourceType> InstallTypes { get; } = [Secrets, ServiceAccounts, CustomResourceDefinitions, ClusterRoles, ClusterRoleBindings, MutatingWebhookConfigurations];
}
