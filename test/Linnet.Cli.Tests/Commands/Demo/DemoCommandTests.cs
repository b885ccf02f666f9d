using System.Globalization;
using System.Text.RegularExpressions;
using Linnet.Testing;

namespace Linnet.Cli.Tests.Commands.Demo;

public sealed partial class DemoCommandTests
{
    private static string Linnet => Path.Combine(AppContext.BaseDirectory, "linnet.dll");

    [Fact]
    public async Task Demo_ForAFewSeconds_RunsTheMeshWithTrafficEverywhereAndLeavesNoProcess()
    {
        await using var demo = await TestProcess.StartAsync("dotnet", [Linnet, "demo", "--duration", "8s", "--refresh", "4s", "--no-rollout"],
            new Dictionary<string, string?> { ["COLUMNS"] = "200" }, cancellationToken: TestContext.Current.CancellationToken);

        var exitCode = await demo.WaitForExitAsync(TimeSpan.FromSeconds(150), TestContext.Current.CancellationToken);

        Assert.True(exitCode == 0, demo.Output);
        var final = demo.Output[demo.Output.IndexOf("Totals from the proxies", StringComparison.Ordinal)..];
        foreach (var (workload, instances) in new[] { ("web", 1), ("backend", 2), ("greeter", 1) })
        {
            var row = Row().Matches(final).FirstOrDefault(m => m.Groups["w"].Value == workload);
            Assert.True(row is not null, final);
            Assert.Equal(instances, int.Parse(row.Groups["i"].Value, CultureInfo.InvariantCulture));
            Assert.True(int.Parse(row.Groups["n"].Value, CultureInfo.InvariantCulture) > 0, $"{workload} served nothing:\n{final}");
        }

        // The load generator only sends: its row counts what its proxy sent (outbound), not zero.
        var load = final.Split('\n').Select(l => l.Split('│', StringSplitOptions.TrimEntries)).FirstOrDefault(c => c.Length > 8 && c[1] == "load");
        Assert.True(load is not null, final);
        Assert.True(int.Parse(load[7], CultureInfo.InvariantCulture) > 0, $"load sent nothing:\n{final}");

        // Every instance the supervisor started is gone.
        var addresses = Address().Matches(demo.Output).Select(m => m.Value).Distinct().ToList();
        Assert.Equal(5, addresses.Count);
        Assert.Contains("Stopped.", demo.Output, StringComparison.Ordinal);
        var dataDir = DataDir().Match(demo.Output).Groups[1].Value;
        Assert.Empty(ProcessesMentioning(dataDir));
    }

    // It found a real bug: as root every instance is a pod, and v3's instances were new pods on v2's addresses with new
    // random MACs, which web's proxy and the scraper could not reach until their ARP entries expired, so the v3
    // canary sometimes got "no values" instead of failing on its errors (pods now have a MAC derived from their address).
    [Fact]
    public async Task Demo_Releases_GoodV2PromotedBadV3RolledBackPrintedStepByStep_CtrlCLeavesNoProcess()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new TempDir();

        // The proxy beside linnet (as the stop tests run it): the releases are under test, not the first run's AOT build.
        // env --default-signal: a terminal's process receives Ctrl-C, but a test run started in the background by a
        // shell inherits SIGINT ignored (POSIX), and a signal ignored at exec cannot be caught (the runtime keeps it
        // ignored) — the test would then wait for an exit that never comes.
        await using var demo = await TestProcess.StartAsync("env", ["--default-signal=INT,QUIT,TERM", "dotnet", Linnet, "demo", "--refresh", "2s"],
            new Dictionary<string, string?>
            {
                ["COLUMNS"] = "200",
                ["LINNET_HOME"] = home.Path,
                ["LINNET_LINK_DIR"] = home.Path,
                ["LINNET_PROXY"] = Path.Combine(AppContext.BaseDirectory, "linnet-proxy.dll"),
            },
            cancellationToken: ct);

        // Not a terminal: each of the canary's events is printed as it happens.
        await demo.WaitForOutputAsync("Done: v2 serves all traffic; v3 was rolled back", TimeSpan.FromMinutes(8), ct);
        Assert.Equal(0, ProcessTable.Kill(demo.Id, ProcessTable.SigInt));
        var exitCode = await demo.WaitForExitAsync(TimeSpan.FromSeconds(90), ct);

        Assert.True(exitCode == 0, demo.Output);
        var output = demo.Output;
        string[] story =
        [
            "Initialization done! backend.default",
            "Release backend v2 (good)",
            "New revision detected! Scaling up backend.default",
            "Advance backend.default canary weight 20",
            "Advance backend.default canary weight 40",
            "Advance backend.default canary weight 60",
            "Copying backend.default template spec to backend-primary.default",
            "Promotion completed! Scaling down backend.default",
            "Release backend v3 (fails 30 % of its requests)",
            "Advance backend.default canary weight 20",
            "Halt backend.default advancement success rate",
            "Rolling back backend.default failed checks threshold reached 3",
            "Canary failed! Scaling down backend.default",
            "Done: v2 serves all traffic",
        ];
        var at = 0;
        foreach (var line in story)
        {
            var next = output.IndexOf(line, at, StringComparison.Ordinal);
            Assert.True(next >= 0, $"'{line}' missing after position {at}:\n{output}");
            at = next + line.Length;
        }

        // With traffic flowing, every check has values: v3 is rolled back for its errors, never for "no values".
        Assert.DoesNotContain("no values found", output, StringComparison.Ordinal);
        Assert.Contains("Stopped.", output, StringComparison.Ordinal);
        Assert.Empty(ProcessesMentioning(DataDir().Match(output).Groups[1].Value));
    }

    [Fact]
    public async Task Demo_BadDuration_ExitsWithUsageError()
    {
        await using var demo = await TestProcess.StartAsync("dotnet", [Linnet, "demo", "--duration", "soon"], cancellationToken: TestContext.Current.CancellationToken);

        var exitCode = await demo.WaitForExitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(2, exitCode);
        Assert.Contains("--duration: 'soon' is not a duration", demo.Output, StringComparison.Ordinal);
    }

    private static List<int> ProcessesMentioning(string text)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid))
            {
                try
                {
                    if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(text, StringComparison.Ordinal))
                    {
                        found.Add(pid);
                    }
                }
                catch (IOException)
                {
                }
            }
        }

        return found;
    }

    [GeneratedRegex(@"│\s*(?<w>[a-z]+)\s*│\s*(?<i>\d+)\s*│\s*(?<n>\d+)\s*│")]
    private static partial Regex Row();

    /// <summary>An instance's proxy as the demo lists it: a loopback address, or a pod's when isolated (as root).</summary>
    [GeneratedRegex(@"\d+\.\d+\.\d+\.\d+:4143")]
    private static partial Regex Address();

    [GeneratedRegex(@"Logs and the store are in (\S+)")]
    private static partial Regex DataDir();
}
