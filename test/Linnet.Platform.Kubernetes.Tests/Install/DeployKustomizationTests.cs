using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Tests.Translation;
using Linnet.Platform.Kubernetes.Yaml;

namespace Linnet.Platform.Kubernetes.Tests.Install;

/// <summary><c>kubectl kustomize deploy/</c> (Debian's kubernetes-client, no cluster) renders the objects of
/// <c>linnet install</c>. Excepted: the three Secrets and the webhook's caBundle, which <c>linnet install</c>
/// generates on the fly and a kustomization cannot (docs/kubernetes.md says how to supply them).</summary>
public sealed class DeployKustomizationTests
{
    // deploy/ file → the kinds it holds, in apply order.
    private static readonly (string File, string[] Kinds)[] Files =
    [
        ("crds.yaml", ["CustomResourceDefinition"]),
        ("namespace.yaml", ["Namespace"]),
        ("rbac.yaml", ["ServiceAccount", "ClusterRole", "ClusterRoleBinding"]),
        ("control-plane.yaml", ["Service", "Deployment"]),
        ("webhook.yaml", ["MutatingWebhookConfiguration"]),
    ];

    [Fact]
    public void DeployFiles_AreTheInstallsObjectsLessWhatIsGenerated()
    {
        // deploy/ is written from the install (LINNET_UPDATE_GOLDEN=1 rewrites it), so it never drifts.
        var objects = Kustomizable(InstallFixture.Objects());
        foreach (var (file, kinds) in Files)
        {
            GoldenFile.AssertMatches(Path.Combine(Repository.Root, "deploy", file), ManifestYaml.Write(objects.Where(o => kinds.Contains((string?)o["kind"]))));
        }

        Assert.Equal(objects.Count, Files.Sum(f => objects.Count(o => f.Kinds.Contains((string?)o["kind"]))));
    }

    [Fact]
    public async Task KubectlKustomize_Deploy_RendersTheSameObjectsAsInstall()
    {
        var rendered = ManifestYaml.Read(await Kubectl.RunAsync("kustomize", "deploy")).Cast<JsonObject>().ToDictionary(InstallFixture.Key);
        var installed = Kustomizable(InstallFixture.Objects()).ToDictionary(InstallFixture.Key);

        Assert.Equal(installed.Keys.Order(StringComparer.Ordinal), rendered.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, expected) in installed)
        {
            Assert.True(JsonNode.DeepEquals(expected, rendered[key]), $"{key} differs:\ninstall:   {expected.ToJsonString()}\nkustomize: {rendered[key].ToJsonString()}");
        }
    }

    [Fact]
    public void Kustomizable_DropsOnlyTheSecretsAndTheCaBundle()
    {
        var all = InstallFixture.Objects();
        var kept = Kustomizable(all);

        Assert.Equal(all.Count - 3, kept.Count);
        Assert.DoesNotContain(kept, o => (string?)o["kind"] == "Secret");
        var webhook = kept.Single(o => (string?)o["kind"] == "MutatingWebhookConfiguration");
        Assert.Null(webhook["webhooks"]![0]!["clientConfig"]!["caBundle"]);
        Assert.NotNull(webhook["webhooks"]![0]!["clientConfig"]!["service"]);
    }

    /// <summary>The install's objects without what is generated per install.</summary>
    private static List<JsonObject> Kustomizable(IEnumerable<JsonObject> objects)
    {
        var result = new List<JsonObject>();
        foreach (var o in objects.Where(o => (string?)o["kind"] != "Secret"))
        {
            var copy = (JsonObject)o.DeepClone();
            foreach (var webhook in copy["webhooks"]?.AsArray() ?? [])
            {
                (webhook?["clientConfig"] as JsonObject)?.Remove("caBundle");
            }

            result.Add(copy);
        }

        return result;
    }
}
