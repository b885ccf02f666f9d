using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Linnet.Cli.Tests.Commands.Check;
using Linnet.Platform.Kubernetes.Yaml;

namespace Linnet.Cli.Tests.Commands.Kubernetes;

/// <summary><c>linnet install</c> and <c>linnet inject</c> as users run them: the real CLI, its exit codes, what
/// it prints where.</summary>
public sealed class InstallInjectCommandTests
{
    private static readonly Dictionary<string, string?> NoEnvironment = [];

    [Fact]
    public async Task Install_TwoRuns_EachPrintsEveryObjectWithItsOwnFreshCa()
    {
        var ct = TestContext.Current.CancellationToken;

        var first = await CheckCommandTests.RunAsync(NoEnvironment, ["install"], ct);
        var second = await CheckCommandTests.RunAsync(NoEnvironment, ["install"], ct);

        Assert.Equal(0, first.Code);
        var objects = ManifestYaml.Read(first.Stdout).Cast<JsonObject>().ToList();
        Assert.Contains(objects, o => (string?)o["kind"] == "MutatingWebhookConfiguration");
        Assert.Contains(objects, o => (string?)o["kind"] == "CustomResourceDefinition" && (string?)o["metadata"]!["name"] == "canaries.flagger.app");
        using var anchor = X509Certificate2.CreateFromPem(SecretData(first.Stdout, "linnet-identity-trust-anchor", "ca.crt"));
        using var issuer = X509Certificate2.CreateFromPem(SecretData(first.Stdout, "linnet-identity-issuer", "tls.crt"));
        Assert.Equal(anchor.Subject, issuer.Issuer);
        Assert.NotEqual(SecretData(first.Stdout, "linnet-identity-trust-anchor", "ca.crt"), SecretData(second.Stdout, "linnet-identity-trust-anchor", "ca.crt"));
    }

    [Fact]
    public async Task Install_BadTrustDomain_Exits2NamingTheOption()
    {
        var result = await CheckCommandTests.RunAsync(NoEnvironment, ["install", "--identity-trust-domain", "not a domain"], TestContext.Current.CancellationToken);

        Assert.Equal(2, result.Code);
        Assert.Equal("", result.Stdout);
        Assert.Contains("--identity-trust-domain", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Install_Defaults_ControlPlaneInjectsLinkerdsProxyInitAndAllUnauthenticated()
    {
        var result = await CheckCommandTests.RunAsync(NoEnvironment, ["install"], TestContext.Current.CancellationToken);

        Assert.Equal(0, result.Code);
        var args = ControlPlaneArgs(result.Stdout);
        // Linkerd 2.19's chart: proxyInit.image cr.l5d.io/linkerd/proxy-init v2.4.3; proxy.defaultInboundPolicy all-unauthenticated.
        Assert.Equal("cr.l5d.io/linkerd/proxy-init:v2.4.3", args[args.IndexOf("--init-image") + 1]);
        Assert.Equal("all-unauthenticated", args[args.IndexOf("--default-inbound-policy") + 1]);
    }

    [Fact]
    public async Task Install_InitImageAndDefaultInboundPolicy_PassedToTheControlPlane()
    {
        var result = await CheckCommandTests.RunAsync(NoEnvironment, ["install", "--init-image", "registry.example/mirror/proxy-init:v2.4.9", "--default-inbound-policy", "deny"], TestContext.Current.CancellationToken);

        Assert.Equal(0, result.Code);
        var args = ControlPlaneArgs(result.Stdout);
        Assert.Equal("registry.example/mirror/proxy-init:v2.4.9", args[args.IndexOf("--init-image") + 1]);
        Assert.Equal("deny", args[args.IndexOf("--default-inbound-policy") + 1]);
    }

    [Theory]
    [InlineData("--default-inbound-policy", "open", "--default-inbound-policy: 'open' is not one of: all-unauthenticated, all-authenticated, deny, audit")]
    [InlineData("--default-inbound-policy", "cluster-authenticated", "--default-inbound-policy: 'cluster-authenticated' is not supported: Linnet has no cluster networks")]
    [InlineData("--init-image", "Not An Image", "--init-image:")]
    [InlineData("--init-image", "cr.l5d.io/linkerd/proxy-init", "--init-image: 'cr.l5d.io/linkerd/proxy-init' names no tag")]
    public async Task InstallAndInject_BadInjectionFlag_Exits2WithTheReasonPrintingNothing(string flag, string value, string reason)
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir();
        var anchors = Path.Combine(dir.Path, "ca.crt");
        var install = await CheckCommandTests.RunAsync(NoEnvironment, ["install"], ct);
        await File.WriteAllTextAsync(anchors, SecretData(install.Stdout, "linnet-identity-trust-anchor", "ca.crt"), ct);
        var manifest = Path.Combine(dir.Path, "pod.yaml");
        await File.WriteAllTextAsync(manifest, "apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec: { containers: [ { name: a, image: b } ] }\n", ct);

        foreach (var command in new[] { new[] { "install", flag, value }, ["inject", "--identity-trust-anchors-file", anchors, flag, value, manifest] })
        {
            var result = await CheckCommandTests.RunAsync(NoEnvironment, command, ct);

            Assert.Equal(2, result.Code);
            Assert.Equal("", result.Stdout);
            Assert.Contains("error: " + reason, result.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Inject_InitImageAndDefaultInboundPolicy_InTheInjectedPod()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir();
        var anchors = Path.Combine(dir.Path, "ca.crt");
        var install = await CheckCommandTests.RunAsync(NoEnvironment, ["install"], ct);
        await File.WriteAllTextAsync(anchors, SecretData(install.Stdout, "linnet-identity-trust-anchor", "ca.crt"), ct);
        var manifest = Path.Combine(dir.Path, "pod.yaml");
        await File.WriteAllTextAsync(manifest, "apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec: { containers: [ { name: a, image: b } ] }\n---\napiVersion: v1\nkind: Pod\nmetadata: { name: q, annotations: { config.linkerd.io/default-inbound-policy: audit } }\nspec: { containers: [ { name: a, image: b } ] }\n", ct);

        var result = await CheckCommandTests.RunAsync(NoEnvironment, ["inject", "--identity-trust-anchors-file", anchors, "--init-image", "registry.example/proxy-init:v1", "--default-inbound-policy", "all-authenticated", manifest], ct);

        Assert.Equal(0, result.Code);
        var pods = ManifestYaml.Read(result.Stdout).Cast<JsonObject>().ToList();
        Assert.Equal("registry.example/proxy-init:v1", (string?)pods[0]["spec"]!["initContainers"]![0]!["image"]);
        string Config(JsonObject pod) => (string)pod["spec"]!["initContainers"]![1]!["env"]!.AsArray().Single(e => (string?)e!["name"] == "LINNET_PROXY_CONFIG")!["value"]!;
        // The install's default where the pod sets none; the pod's own where it does.
        Assert.Contains("  defaultPolicy: all-authenticated\n", Config(pods[0]), StringComparison.Ordinal);
        Assert.Contains("  defaultPolicy: audit\n", Config(pods[1]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Install_NotificationsSecret_MountsItsOneKeyGroupReadOnlyAndPassesItAsTheNotificationsFile()
    {
        var result = await CheckCommandTests.RunAsync(NoEnvironment, ["install", "--notifications-secret", "team.notifications"], TestContext.Current.CancellationToken);

        Assert.Equal(0, result.Code);
        var pod = ManifestYaml.Read(result.Stdout).Cast<JsonObject>().Single(o => (string?)o["kind"] == "Deployment")["spec"]!["template"]!["spec"]!.AsObject();
        var container = pod["containers"]![0]!;
        var args = ControlPlaneArgs(result.Stdout);
        var file = args[args.IndexOf("--notifications-file") + 1];
        var volume = pod["volumes"]!.AsArray().Single(v => (string?)v!["secret"]?["secretName"] == "team.notifications")!;
        var mount = container["volumeMounts"]!.AsArray().Single(m => (string?)m!["name"] == (string?)volume["name"])!;
        // The file the control plane is told to read is the Secret's key in the volume's mount, read-only.
        var key = (string)volume["secret"]!["items"]![0]!["key"]!;
        Assert.Equal("notifications.json", key);
        Assert.Equal($"{(string)mount["mountPath"]!}/{(string)volume["secret"]!["items"]![0]!["path"]!}", file);
        Assert.True((bool)mount["readOnly"]!);
        // 0440 with the pod's fsGroup, like the identity keys: the control plane refuses a notifications file others can read.
        Assert.Equal(Convert.ToInt64("440", 8), (long)volume["secret"]!["defaultMode"]!);
        Assert.Single(volume["secret"]!["items"]!.AsArray());
    }

    [Fact]
    public async Task Install_WithoutNotificationsSecret_NoNotificationsFile()
    {
        var result = await CheckCommandTests.RunAsync(NoEnvironment, ["install"], TestContext.Current.CancellationToken);

        Assert.Equal(0, result.Code);
        Assert.DoesNotContain("--notifications-file", ControlPlaneArgs(result.Stdout));
    }

    [Theory]
    [InlineData("Team_Secrets")]
    [InlineData("-leading-dash")]
    [InlineData("a..b")]
    public async Task Install_BadNotificationsSecretName_Exits2NamingTheOptionPrintingNothing(string name)
    {
        var result = await CheckCommandTests.RunAsync(NoEnvironment, ["install", "--notifications-secret", name], TestContext.Current.CancellationToken);

        Assert.Equal(2, result.Code);
        Assert.Equal("", result.Stdout);
        Assert.Contains($"--notifications-secret: '{name}' is not a Secret name", result.Stderr, StringComparison.Ordinal);
    }

    private static List<string> ControlPlaneArgs(string install) =>
        [.. ManifestYaml.Read(install).Cast<JsonObject>().Single(o => (string?)o["kind"] == "Deployment")["spec"]!["template"]!["spec"]!["containers"]![0]!["args"]!.AsArray().Select(a => (string)a!)];

    [Fact]
    public async Task Inject_WithTheInstallsAnchors_PrintsTheInjectedWorkloadAndReportsOnStderr()
    {
        var ct = TestContext.Current.CancellationToken;
        var install = await CheckCommandTests.RunAsync(NoEnvironment, ["install"], ct);
        using var dir = new TempDir();
        var anchors = Path.Combine(dir.Path, "ca.crt");
        await File.WriteAllTextAsync(anchors, SecretData(install.Stdout, "linnet-identity-trust-anchor", "ca.crt"), ct);
        var manifest = Path.Combine(dir.Path, "web.yaml");
        await File.WriteAllTextAsync(manifest, "apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web }\nspec:\n  selector: { matchLabels: { app: web } }\n  template:\n    metadata: { labels: { app: web } }\n    spec: { containers: [ { name: web, image: example/web:1 } ] }\n", ct);

        var result = await CheckCommandTests.RunAsync(NoEnvironment, ["inject", "--identity-trust-anchors-file", anchors, manifest], ct);

        Assert.Equal(0, result.Code);
        Assert.Equal($"{manifest}: deployment \"web\" injected", result.Stderr.Trim());
        var template = ManifestYaml.Read(result.Stdout).Cast<JsonObject>().Single()["spec"]!["template"]!;
        Assert.Equal(["linnet-init", "linnet-proxy"], template["spec"]!["initContainers"]!.AsArray().Select(c => (string)c!["name"]!));
        var config = (string)template["spec"]!["initContainers"]![1]!["env"]!.AsArray().Single(e => (string?)e!["name"] == "LINNET_PROXY_CONFIG")!["value"]!;
        Assert.Contains(SecretData(install.Stdout, "linnet-identity-trust-anchor", "ca.crt").Split('\n')[1], config, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inject_RefusedAnnotation_Exits2PrintingNothingOnStdout()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir();
        var anchors = Path.Combine(dir.Path, "ca.crt");
        var install = await CheckCommandTests.RunAsync(NoEnvironment, ["install"], ct);
        await File.WriteAllTextAsync(anchors, SecretData(install.Stdout, "linnet-identity-trust-anchor", "ca.crt"), ct);
        var manifest = Path.Combine(dir.Path, "pod.yaml");
        await File.WriteAllTextAsync(manifest, "apiVersion: v1\nkind: Pod\nmetadata: { name: p, annotations: { config.linkerd.io/proxy-gadget: \"on\" } }\nspec: { containers: [ { name: a, image: b } ] }\n", ct);

        var result = await CheckCommandTests.RunAsync(NoEnvironment, ["inject", "--identity-trust-anchors-file", anchors, manifest], ct);

        Assert.Equal(2, result.Code);
        Assert.Equal("", result.Stdout);
        Assert.Contains("metadata.annotations[config.linkerd.io/proxy-gadget]: is not a proxy configuration annotation Linnet knows", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inject_AnchorsFileWithoutCertificate_Exits2()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir();
        var anchors = Path.Combine(dir.Path, "ca.crt");
        await File.WriteAllTextAsync(anchors, "not a certificate\n", ct);

        var result = await CheckCommandTests.RunAsync(NoEnvironment, ["inject", "--identity-trust-anchors-file", anchors, "-"], ct);

        Assert.Equal(2, result.Code);
        Assert.Contains("--identity-trust-anchors-file", result.Stderr, StringComparison.Ordinal);
    }

    private static string SecretData(string install, string secret, string key)
    {
        var o = ManifestYaml.Read(install).Cast<JsonObject>().Single(o => (string?)o["kind"] == "Secret" && (string?)o["metadata"]!["name"] == secret);
        return Encoding.UTF8.GetString(Convert.FromBase64String((string)o["data"]![key]!));
    }
}
