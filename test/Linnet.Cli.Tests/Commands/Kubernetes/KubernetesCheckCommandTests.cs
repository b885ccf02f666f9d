using System.Text.Json.Nodes;
using Linnet.Cli.Tests.Commands.Check;
using Linnet.Platform.Kubernetes.Tests.Check;

namespace Linnet.Cli.Tests.Commands.Kubernetes;

/// <summary><c>linnet check --kubeconfig</c> as users run it, against a fake API server holding what <c>linnet
/// install</c> wrote: <c>linkerd check</c>'s output (categories underlined, √/×/‼, the reason and a hint under a
/// failing check, "Status check results are √"), its JSON, and its exit codes.</summary>
public sealed class KubernetesCheckCommandTests
{
    private static readonly Dictionary<string, string?> NoEnvironment = [];

    private static async Task<string> KubeconfigAsync(InstalledCluster cluster, TempDir dir)
    {
        var path = Path.Combine(dir.Path, "kubeconfig");
        await File.WriteAllTextAsync(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
              - name: fake
                cluster: {"{"} server: "{cluster.Server.BaseUri}" {"}"}
            users:
              - name: admin
                user: {"{"} token: "{cluster.Server.Token}" {"}"}
            contexts:
              - name: fake
                context: {"{"} cluster: fake, user: admin {"}"}
            current-context: fake
            """, TestContext.Current.CancellationToken);
        return path;
    }

    [Fact]
    public async Task HealthyInstall_PrintsEveryCategoryAndPasses()
    {
        await using var cluster = await InstalledCluster.StartAsync();
        using var dir = new TempDir();

        var result = await CheckCommandTests.RunAsync(NoEnvironment, ["check", "--kubeconfig", await KubeconfigAsync(cluster, dir)], TestContext.Current.CancellationToken);

        Assert.True(result.Code == 0, $"exit {result.Code}\n{result.Stdout}\n{result.Stderr}");
        Assert.Contains("kubernetes-api\n--------------\n√ can initialize the client\n√ can query the Kubernetes API\n", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("linkerd-identity\n----------------\n√ certificate config is valid\n", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("√ proxy-injector webhook has valid cert\n", result.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("Status check results are √\n", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("×", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RemovedCrd_FailsWithReasonAndHint_Exit1_AndJsonInLinkerdsShape()
    {
        await using var cluster = await InstalledCluster.StartAsync();
        await cluster.SendAsync(HttpMethod.Delete, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/grpcroutes.gateway.networking.k8s.io");
        using var dir = new TempDir();
        var kubeconfig = await KubeconfigAsync(cluster, dir);

        var table = await CheckCommandTests.RunAsync(NoEnvironment, ["check", "--platform", "kubernetes", "--kubeconfig", kubeconfig], TestContext.Current.CancellationToken);
        var json = await CheckCommandTests.RunAsync(NoEnvironment, ["check", "--kubeconfig", kubeconfig, "-o", "json"], TestContext.Current.CancellationToken);

        Assert.Equal(1, table.Code);
        Assert.Contains("× control plane CustomResourceDefinitions exist\n    missing grpcroutes.gateway.networking.k8s.io\n    hint: ", table.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("Status check results are ×\n", table.Stdout, StringComparison.Ordinal);
        var hint = table.Stdout.Split('\n').Single(l => l.StartsWith("    hint: ", StringComparison.Ordinal));
        Assert.True(hint.Contains("linnet install", StringComparison.Ordinal) && hint.Contains("Flagger's own", StringComparison.Ordinal), $"the hint is one whole line: {hint}");
        Assert.DoesNotContain("linkerd-identity", table.Stdout, StringComparison.Ordinal); // a fatal failure ends the run
        Assert.Equal(1, json.Code);
        var report = JsonNode.Parse(json.Stdout)!;
        Assert.False(report["success"]!.GetValue<bool>());
        var config = report["categories"]!.AsArray().Single(c => (string?)c!["categoryName"] == "linkerd-config")!;
        var crds = config["checks"]!.AsArray().Single(c => (string?)c!["description"] == "control plane CustomResourceDefinitions exist")!;
        Assert.Equal("error", (string?)crds["result"]);
        Assert.Equal("missing grpcroutes.gateway.networking.k8s.io", (string?)crds["error"]);
        Assert.False(string.IsNullOrEmpty((string?)crds["hint"]));
    }

    [Fact]
    public async Task NoSuchKubeconfig_InitializeFails_Exit1()
    {
        using var dir = new TempDir();

        var result = await CheckCommandTests.RunAsync(NoEnvironment, ["check", "--kubeconfig", Path.Combine(dir.Path, "missing")], TestContext.Current.CancellationToken);

        Assert.Equal(1, result.Code);
        Assert.StartsWith("kubernetes-api\n--------------\n× can initialize the client\n    --kubeconfig: ", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KubeconfigWithUniversalPlatform_RefusedNamingTheOption()
    {
        var result = await CheckCommandTests.RunAsync(NoEnvironment, ["check", "--platform", "universal", "--kubeconfig", "/tmp/x"], TestContext.Current.CancellationToken);

        Assert.Equal(2, result.Code);
        Assert.Contains("--kubeconfig: only with --platform kubernetes", result.Stderr, StringComparison.Ordinal);
    }
}
