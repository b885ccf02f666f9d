using Linnet.Cli.Tests.Commands.Check;

namespace Linnet.Cli.Tests.Commands.ControlPlane;

/// <summary><c>linnet control-plane --platform kubernetes</c>: what only universal mode honours is refused, not ignored,
/// and an unusable cluster configuration stops the start (exit 2) with the reason, before anything listens.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ControlPlanePlatformOptionTests
{
    // No KUBECONFIG, no ~/.kube/config, not in a pod: the configuration is only what the test gives.
    private static Dictionary<string, string?> Environment(TempDir dir) => new()
    {
        ["HOME"] = dir.Path,
        ["KUBECONFIG"] = null,
        ["KUBERNETES_SERVICE_HOST"] = null,
        ["KUBERNETES_SERVICE_PORT"] = null,
    };

    [Theory]
    [InlineData("--isolation", "off")]
    [InlineData("--first-address", "127.1.0.1")]
    [InlineData("--uid-base", "40000")]
    public async Task ControlPlane_KubernetesWithUniversalOnlyOption_Exits2WithReason(string option, string value)
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir();

        var result = await CheckCommandTests.RunAsync(Environment(dir), ["control-plane", "--platform", "kubernetes", "--data-dir", Path.Combine(dir.Path, "data"), option, value], ct);

        Assert.Equal(2, result.Code);
        Assert.Contains($"{option}: universal mode only", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "data")));
    }

    [Fact]
    public async Task ControlPlane_KubernetesWithoutAnyClusterConfiguration_Exits2WithReason()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir();

        var result = await CheckCommandTests.RunAsync(Environment(dir), ["control-plane", "--platform", "kubernetes", "--data-dir", Path.Combine(dir.Path, "data")], ct);

        Assert.Equal(2, result.Code);
        Assert.Contains("no cluster configuration", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "--kubeconfig")]
    [InlineData("not: [a kubeconfig", "--kubeconfig")]
    [InlineData("apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: \"ftp://127.0.0.1:1\"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n", "is not an http(s) URL")]
    public async Task ControlPlane_KubernetesWithUnusableKubeconfig_Exits2WithReason(string? content, string reason)
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir();
        var file = Path.Combine(dir.Path, "kubeconfig");
        if (content is not null)
        {
            await File.WriteAllTextAsync(file, content, ct);
        }

        var result = await CheckCommandTests.RunAsync(Environment(dir), ["control-plane", "--platform", "kubernetes", "--kubeconfig", file, "--data-dir", Path.Combine(dir.Path, "data")], ct);

        Assert.Equal(2, result.Code);
        Assert.Contains(reason, result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "data")));
    }

    [Fact]
    public async Task ControlPlane_KubeconfigWithoutKubernetesPlatform_Exits2WithReason()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir();

        var result = await CheckCommandTests.RunAsync(Environment(dir), ["control-plane", "--kubeconfig", Path.Combine(dir.Path, "kubeconfig"), "--data-dir", Path.Combine(dir.Path, "data")], ct);

        Assert.Equal(2, result.Code);
        Assert.Contains("--kubeconfig: only with --platform kubernetes", result.Stderr, StringComparison.Ordinal);
    }
}
