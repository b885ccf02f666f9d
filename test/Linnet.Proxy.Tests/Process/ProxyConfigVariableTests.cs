using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Testing;

namespace Linnet.Proxy.Tests.Processes;

/// <summary>In a Kubernetes pod the injector hands the proxy its config in <c>LINNET_PROXY_CONFIG</c>
/// (docs/proxy-config.md): the real executable reads and validates it as it reads a file.</summary>
public sealed class ProxyConfigVariableTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Validate_ConfigInVariable_ExitsZeroNamingTheVariable()
    {
        var (exitCode, output) = await RunAsync("inbound: { appPort: 8080 }\ndrainTimeout: 1s\n");

        Assert.Equal(0, exitCode);
        Assert.Contains("config $LINNET_PROXY_CONFIG is valid", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_BadConfigInVariable_ExitsTwoNamingTheField()
    {
        var (exitCode, output) = await RunAsync("inbound: { appPort: 70000 }\n");

        Assert.Equal(2, exitCode);
        Assert.Contains("inbound.appPort", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Main_NeitherFileNorVariable_ExitsTwoSayingWhatToGive()
    {
        var (exitCode, output) = await RunAsync(null);

        Assert.Equal(2, exitCode);
        Assert.Contains("give --config FILE, or the config's YAML in $LINNET_PROXY_CONFIG", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fast")]
    [InlineData("yarp")]
    public async Task Validate_ForwarderVariableFastOrYarp_Accepted(string forwarder)
    {
        var (exitCode, output) = await RunAsync("inbound: { appPort: 8080 }\n", forwarder);

        Assert.Equal(0, exitCode);
        Assert.Contains("config $LINNET_PROXY_CONFIG is valid", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Main_ForwarderVariableUnknown_ExitsTwoNamingTheVariable()
    {
        var (exitCode, output) = await RunAsync("inbound: { appPort: 8080 }\n", "fastest");

        Assert.Equal(2, exitCode);
        Assert.Contains("$LINNET_PROXY_HTTP1_FORWARDER must be fast or yarp, not 'fastest'", output, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string? config, string? forwarder = null)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var process = await TestProcess.StartAsync(
            ProxyProcess.DotnetHost,
            [ProxyProcess.DllPath, "--validate"],
            new Dictionary<string, string?> { ["LINNET_PROXY_CONFIG"] = config, ["LINNET_PROXY_HTTP1_FORWARDER"] = forwarder },
            AppContext.BaseDirectory,
            ct);
        var exitCode = await process.WaitForExitAsync(ExitTimeout, ct);
        return (exitCode, process.Output);
    }
}
