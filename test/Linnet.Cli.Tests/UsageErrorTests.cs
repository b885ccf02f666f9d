using System.Text.Json.Nodes;
using Linnet.Cli.Tests.Commands.Check;

namespace Linnet.Cli.Tests;

/// <summary>Argument errors exit 2, as the documented exit codes say; with <c>-o json</c> they are JSON too.</summary>
public sealed class UsageErrorTests
{
    private static readonly Dictionary<string, string?> NoEnvironment = [];

    [Theory]
    [InlineData("get")]
    [InlineData("get", "instances", "-o", "xml")]
    [InlineData("no-such-command")]
    [InlineData("logs")]
    public async Task Main_ArgumentError_Exits2WithTheErrorOnStderr(params string[] args)
    {
        var result = await CheckCommandTests.RunAsync(NoEnvironment, args, TestContext.Current.CancellationToken);

        Assert.Equal(2, result.Code);
        Assert.StartsWith("error: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("--help", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Main_ArgumentErrorWithOutputJson_Exits2WithJsonError()
    {
        var result = await CheckCommandTests.RunAsync(NoEnvironment, ["get", "-o", "json"], TestContext.Current.CancellationToken);

        Assert.Equal(2, result.Code);
        var error = JsonNode.Parse(result.Stderr)!;
        Assert.False(string.IsNullOrEmpty(error["error"]?.ToString()));
        Assert.Equal(2, error["exitCode"]!.GetValue<int>());
    }

    [Fact]
    public async Task Get_UnknownKindWithOutputJson_Exits2WithJsonError()
    {
        var result = await CheckCommandTests.RunAsync(NoEnvironment, ["get", "gizmos", "-o", "json"], TestContext.Current.CancellationToken);

        Assert.Equal(2, result.Code);
        Assert.Contains("unknown kind 'gizmos'", JsonNode.Parse(result.Stderr)!["error"]!.ToString(), StringComparison.Ordinal);
    }
}
