using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Linnet.Platform.Kubernetes.Check;
using Linnet.Platform.Kubernetes.Install;
using Microsoft.Extensions.Time.Testing;

namespace Linnet.Platform.Kubernetes.Tests.Check;

/// <summary><c>linnet check --platform kubernetes</c>'s checks against a fake API server holding what <c>linnet
/// install</c> wrote. Expected categories, descriptions and messages are <c>linkerd check</c>'s (pkg/healthcheck:
/// "control plane Namespace exists" failing with <c>The "linkerd" namespace does not exist</c>, "issuer cert is
/// within its validity period" with <c>issuer certificate is not valid anymore. Expired on &lt;RFC 3339&gt;</c>, a
/// missing CRD as <c>missing &lt;name&gt;</c>, a fatal failure ending the run).</summary>
public sealed class ClusterChecksTests
{
    private static readonly string[] Categories =
        ["kubernetes-api", "kubernetes-version", "linkerd-existence", "linkerd-config", "linkerd-identity", "linkerd-webhooks-and-apisvc-tls", "control-plane-version"];

    private static async Task<IReadOnlyList<CheckResult>> RunAsync(InstalledCluster cluster, TimeProvider? time = null) =>
        await new ClusterChecks(() => (cluster.Client(), null), time ?? TimeProvider.System).RunAsync(TestContext.Current.CancellationToken);

    private static CheckResult Result(IReadOnlyList<CheckResult> results, string description) => results.Single(r => r.Description == description);

    [Fact]
    public async Task HealthyInstall_EveryCheckOfEveryCategoryPasses()
    {
        await using var cluster = await InstalledCluster.StartAsync();

        var results = await RunAsync(cluster);

        Assert.All(results, r => Assert.True(r.Status == CheckStatus.Ok, $"{r.Category}: {r.Description}: {r.Status} {r.Error}"));
        Assert.Equal(Categories, results.Select(r => r.Category).Distinct());
        Assert.Contains(results, r => r is { Category: "linkerd-identity", Description: "issuer cert is issued by the trust anchor" });
        Assert.Contains(results, r => r is { Category: "linkerd-webhooks-and-apisvc-tls", Description: "proxy-injector webhook has valid cert" });
        Assert.Contains(results, r => r is { Category: "control-plane-version", Description: "control plane and cli versions match" });
    }

    [Fact]
    public async Task MissingNamespace_NamespaceCheckFailsAndTheRunStops()
    {
        // What is left when the namespace is gone: the cluster-scoped objects.
        await using var cluster = await InstalledCluster.StartAsync(keep: o => o["metadata"]?["namespace"] is null && (string?)o["kind"] != "Namespace");

        var results = await RunAsync(cluster);

        var failed = Assert.Single(results, r => r.Status != CheckStatus.Ok);
        Assert.Equal(("linkerd-existence", "control plane Namespace exists"), (failed.Category, failed.Description));
        Assert.Equal("The \"linnet\" namespace does not exist", failed.Error);
        Assert.Contains("linnet install", failed.Hint, StringComparison.Ordinal);
        Assert.Same(failed, results[^1]);
    }

    [Fact]
    public async Task RemovedCrd_CrdCheckFailsNamingIt()
    {
        await using var cluster = await InstalledCluster.StartAsync();
        await cluster.SendAsync(HttpMethod.Delete, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/canaries.flagger.app");

        var results = await RunAsync(cluster);

        var failed = Assert.Single(results, r => r.Status != CheckStatus.Ok);
        Assert.Equal(("linkerd-config", "control plane CustomResourceDefinitions exist"), (failed.Category, failed.Description));
        Assert.Equal("missing canaries.flagger.app", failed.Error);
        Assert.Same(failed, results[^1]);
    }

    [Fact]
    public async Task CrdNoLongerServingAVersion_CrdCheckSaysWhichVersion()
    {
        await using var cluster = await InstalledCluster.StartAsync();
        const string path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/httproutes.gateway.networking.k8s.io";
        var crd = await cluster.SendAsync(HttpMethod.Get, path);
        var versions = crd["spec"]!["versions"]!.AsArray();
        var v1 = versions.Single(v => (string?)v!["name"] == "v1")!;
        v1["served"] = false;
        await cluster.SendAsync(HttpMethod.Put, path, crd);

        var results = await RunAsync(cluster);

        Assert.Equal("httproutes.gateway.networking.k8s.io does not serve v1", Result(results, "control plane CustomResourceDefinitions exist").Error);
    }

    [Fact]
    public async Task ExpiredIssuer_IssuerValidityCheckFailsWithItsExpiry()
    {
        // Installed 400 days ago: the issuer (valid a year) has expired, the trust anchor (ten years) has not.
        var then = new FakeTimeProvider(TimeProvider.System.GetUtcNow() - TimeSpan.FromDays(400));
        var credentials = InstallCredentials.Generate("cluster.local", then);
        using var issuer = X509Certificate2.CreateFromPem(credentials.IssuerCertificatePem);
        await using var cluster = await InstalledCluster.StartAsync(credentials);

        var results = await RunAsync(cluster);

        var failed = Assert.Single(results, r => r.Status == CheckStatus.Failed);
        Assert.Equal(("linkerd-identity", "issuer cert is within its validity period"), (failed.Category, failed.Description));
        Assert.Equal($"issuer certificate is not valid anymore. Expired on {issuer.NotAfter.ToUniversalTime():yyyy-MM-ddTHH:mm:ssZ}", failed.Error);
        Assert.Contains(InstallNames.IssuerSecret, failed.Hint, StringComparison.Ordinal);
        Assert.Equal(CheckStatus.Ok, Result(results, "trust anchors are within their validity period").Status);
        Assert.Same(failed, results[^1]);
    }

    [Fact]
    public async Task IssuerExpiringWithin60Days_Warns_AndTheRunPasses()
    {
        await using var cluster = await InstalledCluster.StartAsync();
        var later = new FakeTimeProvider(TimeProvider.System.GetUtcNow() + TimeSpan.FromDays(330)); // the year-long issuer has 35 days left

        var results = await RunAsync(cluster, later);

        var warned = Result(results, "issuer cert is valid for at least 60 days");
        Assert.Equal(CheckStatus.Warning, warned.Status);
        Assert.StartsWith("issuer certificate will expire on ", warned.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(results, r => r.Status == CheckStatus.Failed);
    }

    [Fact]
    public async Task IssuerFromAnotherAnchor_IssuedByTheTrustAnchorFails()
    {
        var credentials = InstallCredentials.Generate("cluster.local", TimeProvider.System);
        var other = InstallCredentials.Generate("cluster.local", TimeProvider.System);
        await using var cluster = await InstalledCluster.StartAsync(credentials with { IssuerCertificatePem = other.IssuerCertificatePem, IssuerKeyPem = other.IssuerKeyPem });

        var results = await RunAsync(cluster);

        var failed = Assert.Single(results, r => r.Status == CheckStatus.Failed);
        Assert.Equal("issuer cert is issued by the trust anchor", failed.Description);
        Assert.StartsWith("issuer certificate is not issued by the trust anchor: ", failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IssuerKeyNotTheCertificates_CertificateConfigFails_WithoutShowingAnyKey()
    {
        var credentials = InstallCredentials.Generate("cluster.local", TimeProvider.System);
        var other = InstallCredentials.Generate("cluster.local", TimeProvider.System);
        await using var cluster = await InstalledCluster.StartAsync(credentials with { IssuerKeyPem = other.IssuerKeyPem });

        var results = await RunAsync(cluster);

        var failed = Assert.Single(results, r => r.Status == CheckStatus.Failed);
        Assert.Equal(("linkerd-identity", "certificate config is valid"), (failed.Category, failed.Description));
        Assert.Equal("secret linnet/linnet-identity-issuer: tls.key is not the private key of its tls.crt", failed.Error);
        var everything = string.Join("\n", results.Select(r => $"{r.Description} {r.Error} {r.Hint}"));
        Assert.DoesNotContain("PRIVATE KEY", everything, StringComparison.Ordinal);
        Assert.DoesNotContain(KeyBody(other.IssuerKeyPem), everything, StringComparison.Ordinal);
        Assert.DoesNotContain(KeyBody(credentials.IssuerKeyPem), everything, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MismatchedWebhookCaBundle_InjectorCertCheckFails()
    {
        await using var cluster = await InstalledCluster.StartAsync();
        var other = InstallCredentials.Generate("cluster.local", TimeProvider.System);
        var patch = new JsonArray(new JsonObject
        {
            ["op"] = "replace",
            ["path"] = "/webhooks/0/clientConfig/caBundle",
            ["value"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(other.WebhookCaPem)),
        });
        await cluster.SendAsync(HttpMethod.Patch, $"/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/{InstallNames.InjectorWebhookConfig}", patch, "application/json-patch+json");

        var results = await RunAsync(cluster);

        var failed = Assert.Single(results, r => r.Status != CheckStatus.Ok);
        Assert.Equal(("linkerd-webhooks-and-apisvc-tls", "proxy-injector webhook has valid cert"), (failed.Category, failed.Description));
        Assert.StartsWith("cert is not issued by the webhook's caBundle: ", failed.Error, StringComparison.Ordinal);
        Assert.Contains("caBundle", failed.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoReadyControlPlanePod_PodsCheckFailsNamingTheContainer()
    {
        await using var cluster = await InstalledCluster.StartAsync(readyPod: false);
        var none = await RunAsync(cluster);
        await cluster.AddControlPlanePodAsync("linnet-control-plane-5d8f7c9b4-abcde", ready: false);

        var notReady = await RunAsync(cluster);

        Assert.Equal("No running pods for \"linnet-control-plane\"", Result(none, "control plane pods are ready").Error);
        Assert.Equal("pod/linnet-control-plane-5d8f7c9b4-abcde container control-plane is not ready", Result(notReady, "control plane pods are ready").Error);
        Assert.Equal("control plane pods are ready", notReady[^1].Description);
    }

    [Fact]
    public async Task OldKubernetes_VersionCheckFails_AndTheOtherChecksStillRun()
    {
        await using var cluster = await InstalledCluster.StartAsync();
        cluster.Server.KubernetesVersion = "v1.28.9-eks.1";

        var results = await RunAsync(cluster);

        var failed = Assert.Single(results, r => r.Status != CheckStatus.Ok);
        Assert.Equal(("kubernetes-version", "is running the minimum Kubernetes API version"), (failed.Category, failed.Description));
        Assert.Equal("Kubernetes is on version [1.28.9], but version [1.29.0] or more recent is required", failed.Error);
        Assert.Equal("control-plane-version", results[^1].Category);
    }

    [Fact]
    public async Task ClusterRoleMissingAGrant_RbacCheckNamesIt()
    {
        await using var cluster = await InstalledCluster.StartAsync();
        const string path = "/apis/rbac.authorization.k8s.io/v1/clusterroles/linnet-control-plane";
        var role = await cluster.SendAsync(HttpMethod.Get, path);
        var rules = role["rules"]!.AsArray();
        rules.Remove(rules.Single(r => r!["resources"]!.AsArray().Any(x => (string?)x == "endpointslices")));
        await cluster.SendAsync(HttpMethod.Put, path, role);

        var results = await RunAsync(cluster);

        var failed = Assert.Single(results, r => r.Status != CheckStatus.Ok);
        Assert.Equal(("linkerd-config", "control plane ClusterRoles exist"), (failed.Category, failed.Description));
        Assert.Equal("ClusterRole linnet-control-plane does not grant: get endpointslices.discovery.k8s.io, list endpointslices.discovery.k8s.io, watch endpointslices.discovery.k8s.io", failed.Error);
    }

    [Fact]
    public async Task NoCluster_InitializeFails_AndNothingElseRuns()
    {
        var results = await new ClusterChecks(() => (null, "--kubeconfig: /nowhere: no such file"), TimeProvider.System).RunAsync(TestContext.Current.CancellationToken);

        var only = Assert.Single(results);
        Assert.Equal(("kubernetes-api", "can initialize the client", CheckStatus.Failed, "--kubeconfig: /nowhere: no such file"), (only.Category, only.Description, only.Status, only.Error));
    }

    [Fact]
    public async Task OlderControlPlane_VersionsMatchWarns()
    {
        await using var cluster = await InstalledCluster.StartAsync();

        var results = await new ClusterChecks(() => (cluster.Client(), null), TimeProvider.System, cliVersion: "0.2.0").RunAsync(TestContext.Current.CancellationToken);

        var warned = Assert.Single(results, r => r.Status != CheckStatus.Ok);
        Assert.Equal(("control-plane-version", "control plane and cli versions match", CheckStatus.Warning), (warned.Category, warned.Description, warned.Status));
        Assert.Equal("control plane running 0.1.0 but cli running 0.2.0", warned.Error);
    }

    private static string KeyBody(string pem) => pem.Split('\n')[1];
}
