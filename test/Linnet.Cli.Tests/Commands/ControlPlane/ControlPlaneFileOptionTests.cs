using Linnet.Cli.Tests.Commands.Check;

namespace Linnet.Cli.Tests.Commands.ControlPlane;

/// <summary><c>linnet control-plane --notifications-file</c> and <c>--jfrog-registry</c>: a file others can read,
/// a bad target or a bad host stops the start (exit 2) with the reason, before anything listens.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ControlPlaneFileOptionTests
{
    [Theory]
    [InlineData("""{"targets":[]}""", true, "chmod 600")]   // readable by others
    [InlineData("""{"targets":[{"name":"a","type":"slack","url":"http://hooks.example.com/secret-token"}]}""", false, "targets[0].url: must be https")]
    public async Task ControlPlane_BadNotificationsFile_Exits2WithReason(string json, bool othersRead, string reason)
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir();
        var file = Path.Combine(dir.Path, "notifications.json");
        await File.WriteAllTextAsync(file, json, ct);
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | (othersRead ? UnixFileMode.OtherRead : 0));

        var result = await CheckCommandTests.RunAsync(new Dictionary<string, string?>(), ["control-plane", "--data-dir", Path.Combine(dir.Path, "data"), "--notifications-file", file], ct);

        Assert.Equal(2, result.Code);
        Assert.Contains("--notifications-file", result.Stderr, StringComparison.Ordinal);
        Assert.Contains(reason, result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "data")));
    }

    [Fact]
    public async Task ControlPlane_JfrogRegistryNotAHost_Exits2WithReason()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dir = new TempDir();

        var result = await CheckCommandTests.RunAsync(new Dictionary<string, string?>(), ["control-plane", "--data-dir", Path.Combine(dir.Path, "data"), "--jfrog-registry", "https://acme.jfrog.io/"], ct);

        Assert.Equal(2, result.Code);
        Assert.Contains("is not a registry host", result.Stderr, StringComparison.Ordinal);
    }
}
