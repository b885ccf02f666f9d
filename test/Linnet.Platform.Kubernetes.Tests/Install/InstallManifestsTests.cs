using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Kinds;
using Linnet.ControlPlane.Core.Tests.Translation;
using Linnet.Platform.Kubernetes.Install;
using Linnet.Platform.Kubernetes.Yaml;

namespace Linnet.Platform.Kubernetes.Tests.Install;

public sealed class InstallManifestsTests
{
    public static TheoryData<string> Kinds() =>
    [
        "CustomResourceDefinition", "Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Secret", "Service", "Deployment", "MutatingWebhookConfiguration",
    ];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Render_EachKind_MatchesItsGoldenFile(string kind)
    {
        var objects = InstallFixture.Objects().Where(o => (string?)o["kind"] == kind).ToList();

        Assert.NotEmpty(objects);
        GoldenFile.AssertMatches(Repository.Asset($"install/{kind}.yaml"), ManifestYaml.Write(objects));
    }

    [Fact]
    public void Render_EveryObject_IsOfAKindTheGoldenFilesCover()
    {
        var kinds = Kinds().Select(row => (string)row.Data).ToHashSet();

        Assert.All(InstallFixture.Objects(), o => Assert.Contains((string)o["kind"]!, kinds));
    }

    [Fact]
    public void Render_Crds_OnePerRegistryKindAndGroupWithItsVersionsAndNames()
    {
        var crds = InstallFixture.Objects().Where(o => (string?)o["kind"] == "CustomResourceDefinition").ToDictionary(o => (string)o["metadata"]!["name"]!);

        foreach (var kind in ResourceKinds.All)
        {
            var groups = kind.ApiVersions.GroupBy(ResourceKind.GroupOf).ToList();
            foreach (var group in groups)
            {
                var name = $"{kind.Plural}.{group.Key}";
                if (kind.Spec is null)
                {
                    Assert.False(crds.ContainsKey(name), $"{kind.Name} has no CRD ({kind.NoCrd}) but {name} was printed");
                    continue;
                }

                var crd = crds[name];
                Assert.Equal(kind.Name, (string?)crd["spec"]!["names"]!["kind"]);
                Assert.Equal("Namespaced", (string?)crd["spec"]!["scope"]);
                var versions = crd["spec"]!["versions"]!.AsArray();
                Assert.Equal(group.Select(ResourceKind.VersionOf), versions.Select(v => (string)v!["name"]!));
                Assert.Equal(1, versions.Count(v => (bool)v!["storage"]!));
                Assert.All(versions, v => Assert.Equal(kind.HasStatus, v!["subresources"]?["status"] is not null));
                Assert.All(versions, v => Assert.Equal("object", (string?)v!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!["type"]));
            }
        }

        // Flagger's, Linkerd's and Gateway API's groups, as their users' manifests name them.
        Assert.Contains("canaries.flagger.app", crds.Keys);
        Assert.Contains("servers.policy.linkerd.io", crds.Keys);
        Assert.Contains("httproutes.gateway.networking.k8s.io", crds.Keys);
        Assert.Contains("httproutes.policy.linkerd.io", crds.Keys);
        Assert.Equal(["srv"], crds["servers.policy.linkerd.io"]["spec"]!["names"]!["shortNames"]!.AsArray().Select(s => (string)s!));
    }

    [Fact]
    public void Render_Crds_KeepFieldsLinnetRefusesSoTheControlPlaneCanSayWhy()
    {
        // A structural schema prunes undeclared fields without a word; Flagger's fields Linnet refuses
        // (autoscalerRef, service.gatewayRefs …) must reach the control plane to be refused with their reason.
        var canary = InstallFixture.Single(InstallFixture.Objects(), "CustomResourceDefinition", "canaries.flagger.app");
        var spec = canary["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!["properties"]!["spec"]!;

        Assert.True((bool?)spec["x-kubernetes-preserve-unknown-fields"]);
        Assert.True((bool?)spec["properties"]!["service"]!["x-kubernetes-preserve-unknown-fields"]);
        Assert.Equal(["targetRef"], spec["required"]!.AsArray().Select(s => (string)s!));
    }

    [Fact]
    public void Render_Webhook_InjectsPodsOnCreateIgnoringFailuresAndSkippingKubeSystem()
    {
        var config = InstallFixture.Single(InstallFixture.Objects(), "MutatingWebhookConfiguration", InstallNames.InjectorWebhookConfig);
        var webhook = Assert.Single(config["webhooks"]!.AsArray())!;

        Assert.Equal("Ignore", (string?)webhook["failurePolicy"]);
        Assert.Equal("None", (string?)webhook["sideEffects"]);
        Assert.Equal(["v1"], webhook["admissionReviewVersions"]!.AsArray().Select(v => (string)v!));
        var rule = Assert.Single(webhook["rules"]!.AsArray())!;
        Assert.Equal(["CREATE"], rule["operations"]!.AsArray().Select(v => (string)v!));
        Assert.Equal(["pods"], rule["resources"]!.AsArray().Select(v => (string)v!));
        var excluded = webhook["namespaceSelector"]!["matchExpressions"]!.AsArray();
        Assert.Contains(excluded, e => (string?)e!["key"] == "kubernetes.io/metadata.name" && (string?)e["operator"] == "NotIn" && e["values"]!.AsArray().Any(v => (string?)v == "kube-system"));
        Assert.Contains(excluded, e => (string?)e!["key"] == "config.linkerd.io/admission-webhooks" && (string?)e["operator"] == "NotIn" && e["values"]!.AsArray().Any(v => (string?)v == "disabled"));
        var client = webhook["clientConfig"]!;
        Assert.Equal(InstallNames.InjectorService, (string?)client["service"]!["name"]);
        Assert.Equal(InstallFixture.Credentials.WebhookCaPem, Encoding.UTF8.GetString(Convert.FromBase64String((string)client["caBundle"]!)));
        // The control plane's own namespace is never injected.
        var ns = InstallFixture.Single(InstallFixture.Objects(), "Namespace", InstallNames.Namespace);
        Assert.Equal("disabled", (string?)ns["metadata"]!["labels"]![InstallNames.AdmissionWebhooksLabel]);
    }

    [Fact]
    public void Render_Secrets_HoldTheCredentialsAndAreMountedReadableByTheControlPlanesGroupOnly()
    {
        var objects = InstallFixture.Objects();
        string Data(string secret, string key) =>
            Encoding.UTF8.GetString(Convert.FromBase64String((string)InstallFixture.Single(objects, "Secret", secret)["data"]![key]!));

        Assert.Equal(InstallFixture.Credentials.TrustAnchorPem, Data(InstallNames.TrustAnchorSecret, "ca.crt"));
        Assert.Equal(InstallFixture.Credentials.IssuerCertificatePem, Data(InstallNames.IssuerSecret, "tls.crt"));
        Assert.Equal(InstallFixture.Credentials.IssuerKeyPem, Data(InstallNames.IssuerSecret, "tls.key"));
        Assert.Equal(InstallFixture.Credentials.WebhookKeyPem, Data(InstallNames.InjectorTlsSecret, "tls.key"));
        var volumes = InstallFixture.Single(objects, "Deployment", InstallNames.ControlPlane)["spec"]!["template"]!["spec"]!["volumes"]!.AsArray();
        var secrets = volumes.Where(v => v!["secret"] is not null).ToList();
        Assert.Equal(3, secrets.Count);
        // A Secret volume's files belong to root: the control plane (uid 2103, not root) reads them through its group,
        // which the kubelet gives them from the pod's fsGroup; 0440, so no other uid can (OwnerOnlyFile's rule).
        Assert.All(secrets, v => Assert.Equal(Convert.ToInt64("440", 8), (long)v!["secret"]!["defaultMode"]!));
        var pod = InstallFixture.Single(objects, "Deployment", InstallNames.ControlPlane)["spec"]!["template"]!["spec"]!;
        var container = pod["containers"]!.AsArray().Single()!["securityContext"]!;
        Assert.Equal((2103L, 2103L, 2103L), ((long)pod["securityContext"]!["fsGroup"]!, (long)container["runAsUser"]!, (long)container["runAsGroup"]!));
        // The only other volume is the pod's own writable data directory (the root file system is read-only).
        Assert.Equal(["data"], volumes.Where(v => v!["secret"] is null).Select(v => (string?)v!["name"]));
        Assert.NotNull(volumes.Single(v => (string?)v!["name"] == "data")!["emptyDir"]);
    }

    [Fact]
    public void Render_ClusterRole_CoversEveryCrdGroupAndItsStatus()
    {
        var rules = InstallFixture.Single(InstallFixture.Objects(), "ClusterRole", InstallNames.ControlPlane)["rules"]!.AsArray();

        bool Allows(string group, string resource, string verb) => rules.Any(r =>
            r!["apiGroups"]!.AsArray().Any(g => (string?)g == group) && r["resources"]!.AsArray().Any(x => (string?)x == resource) && r["verbs"]!.AsArray().Any(v => (string?)v == verb));

        Assert.True(Allows("flagger.app", "canaries", "watch"));
        Assert.True(Allows("flagger.app", "canaries/status", "update"));
        Assert.True(Allows("policy.linkerd.io", "servers", "list"));
        Assert.True(Allows("linnet.io", "approvals", "create"));
        Assert.True(Allows("discovery.k8s.io", "endpointslices", "watch"));
        Assert.True(Allows("coordination.k8s.io", "leases", "update"));
        Assert.False(Allows("", "secrets", "get"), "the control plane reads its own secrets as mounted files, never through the API");
        Assert.False(Allows("flagger.app", "metrictemplates/status", "update"), "MetricTemplate has no status");
    }

    [Fact]
    public void Render_ClusterRole_GrantsWhatTheCanaryControllerAndKeelWrite_NoDeletionOfServicesOrDeployments()
    {
        var rules = InstallFixture.Single(InstallFixture.Objects(), "ClusterRole", InstallNames.ControlPlane)["rules"]!.AsArray();

        bool Allows(string group, string resource, string verb) => rules.Any(r =>
            r!["apiGroups"]!.AsArray().Any(g => (string?)g == group) && r["resources"]!.AsArray().Any(x => (string?)x == resource) && r["verbs"]!.AsArray().Any(v => (string?)v == verb));

        // The -primary Deployment is created, replaced (PUT) on promotion, its and the target's replicas patched; Keel patches images.
        Assert.All(new[] { "create", "update", "patch" }, verb => Assert.True(Allows("apps", "deployments", verb), verb));
        // The apex, -primary and -canary Services are created or patched; the apex HTTPRoute likewise; the status replaced.
        Assert.All(new[] { "create", "patch" }, verb => Assert.True(Allows("", "services", verb), verb));
        Assert.All(new[] { "create", "patch" }, verb => Assert.True(Allows("gateway.networking.k8s.io", "httproutes", verb), verb));
        Assert.True(Allows("flagger.app", "canaries/status", "update"));
        Assert.False(Allows("apps", "deployments", "delete"), "no controller deletes a Deployment");
        Assert.False(Allows("", "services", "delete"), "no controller deletes a Service");
        Assert.False(Allows("", "services", "update"), "Services are patched, never replaced");
    }

    [Fact]
    public void Generate_Credentials_IssuerChainsToTheAnchorAndTheWebhookServesItsServiceName()
    {
        var credentials = InstallCredentials.Generate("cluster.local", TimeProvider.System);
        using var anchor = X509Certificate2.CreateFromPem(credentials.TrustAnchorPem);
        using var issuer = X509Certificate2.CreateFromPem(credentials.IssuerCertificatePem, credentials.IssuerKeyPem);
        using var webhookCa = X509Certificate2.CreateFromPem(credentials.WebhookCaPem);
        using var webhook = X509Certificate2.CreateFromPem(credentials.WebhookCertificatePem, credentials.WebhookKeyPem);

        Assert.True(Chains(issuer, anchor), "the issuer does not chain to the trust anchor");
        Assert.True(Chains(webhook, webhookCa), "the webhook certificate does not chain to the caBundle");
        Assert.True(webhook.MatchesHostname("linnet-proxy-injector.linnet.svc"));
        Assert.False(webhook.MatchesHostname("linnet-proxy-injector.other.svc"));
        Assert.True(issuer.HasPrivateKey);
    }

    private static bool Chains(X509Certificate2 leaf, X509Certificate2 root)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf);
    }
}
