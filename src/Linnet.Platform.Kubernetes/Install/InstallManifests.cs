using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Linnet.ControlPlane.Core.Kinds;
using Linnet.Platform.Kubernetes.Crds;
using Linnet.Platform.Kubernetes.Yaml;

namespace Linnet.Platform.Kubernetes.Install;

/// <summary>Every object of a Linnet install on Kubernetes: the registry's CRDs, the namespace, RBAC, the control
/// plane's Deployment and Services, the proxy injector's MutatingWebhookConfiguration and the generated identity and
/// webhook Secrets. <c>deploy/</c> holds the same objects for <c>kubectl kustomize</c>, less what is generated.</summary>
public static class InstallManifests
{
    private const string ControlPlaneComponent = "control-plane";
    // 0440: a Secret volume's files belong to root; readable by the control plane through its group (the pod's
    // fsGroup), by no other uid. OwnerOnlyFile accepts exactly this: group-readable only in the process's own group.
    private const int OwnerAndGroupReadOnly = 0x120;

    /// <summary>The control plane's uid and gid (Linkerd's controllers run as 2103).</summary>
    internal const int ControlPlaneId = 2103;

    /// <summary>The objects, in the order they can be applied.</summary>
    public static IReadOnlyList<JsonObject> Build(InstallOptions options, InstallCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(credentials);
        var objects = new List<object>();
        objects.AddRange(CustomResourceDefinitions.All());
        objects.Add(Namespace());
        objects.Add(ServiceAccount());
        objects.Add(ClusterRole());
        objects.Add(ClusterRoleBinding());
        objects.AddRange(Secrets(credentials));
        objects.Add(DestinationService());
        objects.Add(InjectorService());
        objects.Add(Deployment(options));
        objects.Add(Webhook(credentials));
        return objects.Select(o => (JsonObject)JsonNode.Parse(KubernetesJson.Serialize(o))!).ToList();
    }

    /// <summary>The objects as one YAML stream.</summary>
    public static string Render(InstallOptions options, InstallCredentials credentials) => ManifestYaml.Write(Build(options, credentials));

    private static Dictionary<string, string> Labels(string? component = null)
    {
        var labels = new Dictionary<string, string> { [InstallNames.PartOfLabel] = InstallNames.PartOf };
        if (component is not null)
        {
            labels[InstallNames.ComponentLabel] = component;
        }

        return labels;
    }

    private static V1ObjectMeta Meta(string name, bool namespaced = true, string? component = null) => new()
    {
        Name = name,
        NamespaceProperty = namespaced ? InstallNames.Namespace : null,
        Labels = Labels(component),
    };

    private static V1Namespace Namespace() => new()
    {
        ApiVersion = "v1",
        Kind = "Namespace",
        Metadata = new V1ObjectMeta
        {
            Name = InstallNames.Namespace,
            Labels = new Dictionary<string, string>
            {
                [InstallNames.PartOfLabel] = InstallNames.PartOf,
                // The injector never injects the control plane's own pods.
                [InstallNames.AdmissionWebhooksLabel] = "disabled",
                ["linkerd.io/is-control-plane"] = "true",
            },
        },
    };

    private static V1ServiceAccount ServiceAccount() => new()
    {
        ApiVersion = "v1",
        Kind = "ServiceAccount",
        Metadata = Meta(InstallNames.ControlPlane, component: ControlPlaneComponent),
    };

    /// <summary>What the control plane's ClusterRole grants: <c>linnet check</c> holds the cluster's role against it.</summary>
    public static IReadOnlyList<V1PolicyRule> ControlPlaneRules() => [.. ClusterRole().Rules];

    private static V1ClusterRole ClusterRole()
    {
        string[] read = ["get", "list", "watch"];
        string[] write = ["create", "update", "patch", "delete"];
        var rules = new List<V1PolicyRule>
        {
            new() { ApiGroups = [""], Resources = ["namespaces", "pods", "serviceaccounts", "endpoints"], Verbs = read },
            // What the canary controller writes (ClusterCanaryWriter): the apex/-primary/-canary Services (created, patched),
            // the <target>-primary Deployment (created, replaced on promotion) and the target's replicas (patched); and
            // Keel's image updates (patched). Nothing the controllers make is deleted by them but the apex HTTPRoute
            // (revertOnDeletion, below under its group): the garbage collector removes what a deleted Canary owns.
            new() { ApiGroups = [""], Resources = ["services"], Verbs = [.. read, "create", "patch"] },
            new() { ApiGroups = ["apps"], Resources = ["deployments"], Verbs = [.. read, "create", "update", "patch"] },
            new() { ApiGroups = ["apps"], Resources = ["replicasets"], Verbs = read },
            new() { ApiGroups = ["discovery.k8s.io"], Resources = ["endpointslices"], Verbs = read },
            new() { ApiGroups = [""], Resources = ["events"], Verbs = ["create", "patch"] },
            new() { ApiGroups = ["coordination.k8s.io"], Resources = ["leases"], Verbs = ["get", "create", "update"] },
            new() { ApiGroups = ["authentication.k8s.io"], Resources = ["tokenreviews"], Verbs = ["create"] },
        };

        // Every group of the registry's CRDs: its kinds, and the status of those that have one.
        foreach (var group in ResourceKinds.All.Where(k => k.Spec is not null)
                     .SelectMany(k => k.ApiVersions.Select(v => (Group: ResourceKind.GroupOf(v), Kind: k)))
                     .Distinct()
                     .GroupBy(p => p.Group))
        {
            var kinds = group.Select(p => p.Kind).ToList();
            rules.Add(new V1PolicyRule { ApiGroups = [group.Key], Resources = kinds.Select(k => k.Plural).ToList(), Verbs = [.. read, .. write] });
            if (kinds.Where(k => k.HasStatus).Select(k => k.Plural + "/status").ToList() is { Count: > 0 } status)
            {
                rules.Add(new V1PolicyRule { ApiGroups = [group.Key], Resources = status, Verbs = ["get", "update", "patch"] });
            }

            // What a Canary's controller makes is owned by it with blockOwnerDeletion (the garbage collector waits for
            // it, as for Flagger's finalizer.flagger.app on the Canary): the OwnerReferencesPermissionEnforcement admission
            // plugin allows that only to whoever may update the Canary's finalizers.
            if (kinds.FirstOrDefault(k => k.Name == "Canary") is { } canary)
            {
                rules.Add(new V1PolicyRule { ApiGroups = [group.Key], Resources = [canary.Plural + "/finalizers"], Verbs = ["update"] });
            }
        }

        return new V1ClusterRole
        {
            ApiVersion = "rbac.authorization.k8s.io/v1",
            Kind = "ClusterRole",
            Metadata = Meta(InstallNames.ControlPlane, namespaced: false, component: ControlPlaneComponent),
            Rules = rules,
        };
    }

    private static V1ClusterRoleBinding ClusterRoleBinding() => new()
    {
        ApiVersion = "rbac.authorization.k8s.io/v1",
        Kind = "ClusterRoleBinding",
        Metadata = Meta(InstallNames.ControlPlane, namespaced: false, component: ControlPlaneComponent),
        RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = InstallNames.ControlPlane },
        Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = InstallNames.ControlPlane, NamespaceProperty = InstallNames.Namespace }],
    };

    private static IEnumerable<V1Secret> Secrets(InstallCredentials credentials)
    {
        yield return Secret(InstallNames.TrustAnchorSecret, "Opaque", new() { ["ca.crt"] = credentials.TrustAnchorPem });
        yield return Secret(InstallNames.IssuerSecret, "kubernetes.io/tls", new()
        {
            ["ca.crt"] = credentials.TrustAnchorPem,
            ["tls.crt"] = credentials.IssuerCertificatePem,
            ["tls.key"] = credentials.IssuerKeyPem,
        });
        yield return Secret(InstallNames.InjectorTlsSecret, "kubernetes.io/tls", new()
        {
            ["tls.crt"] = credentials.WebhookCertificatePem,
            ["tls.key"] = credentials.WebhookKeyPem,
        });
    }

    private static V1Secret Secret(string name, string type, Dictionary<string, string> data) => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Metadata = Meta(name, component: ControlPlaneComponent),
        Type = type,
        Data = data.ToDictionary(kv => kv.Key, kv => Encoding.UTF8.GetBytes(kv.Value)),
    };

    private static V1Service DestinationService() => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = Meta(InstallNames.DestinationService, component: ControlPlaneComponent),
        Spec = new V1ServiceSpec
        {
            Selector = Labels(ControlPlaneComponent),
            Ports = [new V1ServicePort { Name = "grpc", Port = InstallNames.DestinationPort, TargetPort = InstallNames.DestinationPort, AppProtocol = "grpc" }],
        },
    };

    private static V1Service InjectorService() => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = Meta(InstallNames.InjectorService, component: ControlPlaneComponent),
        Spec = new V1ServiceSpec
        {
            Selector = Labels(ControlPlaneComponent),
            Ports = [new V1ServicePort { Name = "webhook", Port = 443, TargetPort = InstallNames.InjectorPort }],
        },
    };

    private static V1Deployment Deployment(InstallOptions options)
    {
        const string identity = "/var/run/linnet/identity";
        const string injector = "/var/run/linnet/injector";
        const string data = "/var/run/linnet/data";
        const string notifications = "/var/run/linnet/notifications";
        string[] notificationArgs = options.NotificationsSecret is null ? [] : ["--notifications-file", $"{notifications}/{InstallOptions.NotificationsKey}"];
        V1VolumeMount[] notificationMounts = options.NotificationsSecret is null ? [] : [new V1VolumeMount { Name = "notifications", MountPath = notifications, ReadOnlyProperty = true }];
        // Only the one key is projected, with the keys' mode: the control plane refuses a notifications file others can read.
        V1Volume[] notificationVolumes = options.NotificationsSecret is not { } secret ? [] :
            [new V1Volume { Name = "notifications", Secret = new V1SecretVolumeSource { SecretName = secret, DefaultMode = OwnerAndGroupReadOnly, Items = [new V1KeyToPath { Key = InstallOptions.NotificationsKey, Path = InstallOptions.NotificationsKey }] } }];
        var container = new V1Container
        {
            Name = "control-plane",
            Image = options.ControlPlaneImage,
            Args =
            [
                "control-plane",
                "--platform", "kubernetes",
                "--grpc-listen", $"0.0.0.0:{InstallNames.DestinationPort}",
                "--data-dir", data,
                "--identity-trust-domain", options.TrustDomain,
                "--identity-trust-anchors-file", $"{identity}/trust-anchor/ca.crt",
                "--identity-issuer-certificate-file", $"{identity}/issuer/tls.crt",
                "--identity-issuer-key-file", $"{identity}/issuer/tls.key",
                "--injector-certificate-file", $"{injector}/tls.crt",
                "--injector-key-file", $"{injector}/tls.key",
                "--proxy-image", options.ProxyImage,
                "--init-image", options.InitImage,
                "--default-inbound-policy", options.DefaultInboundPolicy,
                .. notificationArgs,
            ],
            Ports =
            [
                new V1ContainerPort { Name = "grpc", ContainerPort = InstallNames.DestinationPort },
                new V1ContainerPort { Name = "webhook", ContainerPort = InstallNames.InjectorPort },
            ],
            // The Lease's holder is the pod (leader election); the control plane's own namespace holds the Lease.
            Env =
            [
                new V1EnvVar { Name = "POD_NAME", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.name" } } },
                new V1EnvVar { Name = "POD_NAMESPACE", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.namespace" } } },
            ],
            VolumeMounts =
            [
                new V1VolumeMount { Name = "data", MountPath = data },
                new V1VolumeMount { Name = "trust-anchor", MountPath = $"{identity}/trust-anchor", ReadOnlyProperty = true },
                new V1VolumeMount { Name = "issuer", MountPath = $"{identity}/issuer", ReadOnlyProperty = true },
                new V1VolumeMount { Name = "injector-tls", MountPath = injector, ReadOnlyProperty = true },
                .. notificationMounts,
            ],
            Resources = new V1ResourceRequirements
            {
                Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("100m"), ["memory"] = new("128Mi") },
                Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("512Mi") },
            },
            SecurityContext = new V1SecurityContext
            {
                AllowPrivilegeEscalation = false,
                ReadOnlyRootFilesystem = true,
                RunAsNonRoot = true,
                RunAsUser = ControlPlaneId,
                RunAsGroup = ControlPlaneId,
                Capabilities = new V1Capabilities { Drop = ["ALL"] },
                SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
            },
        };
        return new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = Meta(InstallNames.ControlPlane, component: ControlPlaneComponent),
            Spec = new V1DeploymentSpec
            {
                Replicas = options.Replicas,
                Selector = new V1LabelSelector { MatchLabels = Labels(ControlPlaneComponent) },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = Labels(ControlPlaneComponent) },
                    Spec = new V1PodSpec
                    {
                        ServiceAccountName = InstallNames.ControlPlane,
                        // The kubelet gives the Secret volumes' files this group, so the control plane (uid and gid 2103,
                        // not root) can read its keys, 0440, and no other uid can.
                        SecurityContext = new V1PodSecurityContext { FsGroup = ControlPlaneId },
                        Containers = [container],
                        Volumes =
                        [
                            // The admin credential and the webhook signing key: per pod, owner-only, on a writable volume (the root is read-only).
                            new V1Volume { Name = "data", EmptyDir = new V1EmptyDirVolumeSource() },
                            new V1Volume { Name = "trust-anchor", Secret = new V1SecretVolumeSource { SecretName = InstallNames.TrustAnchorSecret, DefaultMode = OwnerAndGroupReadOnly } },
                            new V1Volume { Name = "issuer", Secret = new V1SecretVolumeSource { SecretName = InstallNames.IssuerSecret, DefaultMode = OwnerAndGroupReadOnly } },
                            new V1Volume { Name = "injector-tls", Secret = new V1SecretVolumeSource { SecretName = InstallNames.InjectorTlsSecret, DefaultMode = OwnerAndGroupReadOnly } },
                            .. notificationVolumes,
                        ],
                    },
                },
            },
        };
    }

    private static V1MutatingWebhookConfiguration Webhook(InstallCredentials credentials) => new()
    {
        ApiVersion = "admissionregistration.k8s.io/v1",
        Kind = "MutatingWebhookConfiguration",
        Metadata = Meta(InstallNames.InjectorWebhookConfig, namespaced: false, component: ControlPlaneComponent),
        Webhooks =
        [
            new V1MutatingWebhook
            {
                Name = InstallNames.InjectorWebhook,
                ClientConfig = new Admissionregistrationv1WebhookClientConfig
                {
                    Service = new Admissionregistrationv1ServiceReference
                    {
                        Name = InstallNames.InjectorService,
                        NamespaceProperty = InstallNames.Namespace,
                        Path = InstallNames.InjectorPath,
                        Port = 443,
                    },
                    CaBundle = Encoding.UTF8.GetBytes(credentials.WebhookCaPem),
                },
                Rules =
                [
                    new V1RuleWithOperations { ApiGroups = [""], ApiVersions = ["v1"], Operations = ["CREATE"], Resources = ["pods"], Scope = "Namespaced" },
                ],
                // Never in the way: a pod is created uninjected rather than refused when the injector is down.
                FailurePolicy = "Ignore",
                SideEffects = "None",
                AdmissionReviewVersions = ["v1"],
                ReinvocationPolicy = "IfNeeded",
                TimeoutSeconds = 10,
                NamespaceSelector = new V1LabelSelector
                {
                    MatchExpressions =
                    [
                        new V1LabelSelectorRequirement { Key = InstallNames.AdmissionWebhooksLabel, OperatorProperty = "NotIn", Values = ["disabled"] },
                        new V1LabelSelectorRequirement { Key = InstallNames.NamespaceNameLabel, OperatorProperty = "NotIn", Values = ["kube-system"] },
                    ],
                },
            },
        ],
    };
}
