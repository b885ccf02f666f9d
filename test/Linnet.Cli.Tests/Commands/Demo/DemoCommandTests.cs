using System.Diagnostics;
using System.Text.RegularExpressions;
using Linnet.Testing;

namespace Linnet.Cli.Tests.Commands.Demo;

public sealed partial class DemoCommandTests
{
    private static string Linnet => Path.Combine(AppContext.BaseDirectory, "linnet.dll");

    [Fact]
    public async Task Demo_ForAFewSeconds_ShowsTrafficThroughBothListenersAndLeavesNoProcess()
    {
        await using var demo = await TestProcess.StartAsync("dotnet", [Linnet, "demo", "--duration", "4s", "--rps", "40", "--refresh", "1s"],
            new Dictionary<string, string?> { ["COLUMNS"] = "200" }, cancellationToken: TestContext.Current.CancellationToken);

        var exitCode = await demo.WaitForExitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        Assert.True(exitCode == 0, demo.Output);
        var final = demo.Output[demo.Output.IndexOf("Final figures", StringComparison.Ordinal)..];
        var outbound = OutboundRow().Match(final);
        Assert.True(outbound.Success, final);
        Assert.True(int.Parse(outbound.Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture) >= 20, final);
        Assert.Equal("100.0 %", outbound.Groups["ok"].Value);
        Assert.Matches(@"inbound\s*│\s*127\.0\.0\.1:\d+", final);
        foreach (Match pid in Pid().Matches(demo.Output))
        {
            var id = int.Parse(pid.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.False(IsRunning(id), $"process {id} outlived the demo");
        }

        Assert.Equal(2, Pid().Count(demo.Output));
    }

    [Fact]
    public async Task Demo_BadDuration_ExitsWithUsageError()
    {
        await using var demo = await TestProcess.StartAsync("dotnet", [Linnet, "demo", "--duration", "soon"], cancellationToken: TestContext.Current.CancellationToken);

        var exitCode = await demo.WaitForExitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(2, exitCode);
        Assert.Contains("--duration: 'soon' is not a duration", demo.Output, StringComparison.Ordinal);
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"outbound\s*│\s*hello:80\s*│\s*(?<n>\d+)\s*│\s*(?<ok>[\d.]+ %)")]
    private static partial Regex OutboundRow();

    [GeneratedRegex(@"\(pid (\d+)\)")]
    private static partial Regex Pid();
}
