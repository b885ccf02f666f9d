using System.Net;
using System.Text.RegularExpressions;
using Linnet.Testing;

namespace Linnet.Cli.Tests.Commands.Demo;

/// <summary>The demo stops as a user stops it: Ctrl-C on a terminal (SIGINT to the terminal's whole foreground
/// process group), or SIGTERM; every app and proxy is gone within the drain timeout and nothing holds their
/// addresses, every time.</summary>
public sealed partial class DemoStopTests
{
    /// <summary>The control plane host's shutdown timeout, which stopping every instance must fit in.</summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(30);

    private static string Linnet => Path.Combine(AppContext.BaseDirectory, "linnet.dll");

    [Fact]
    public async Task Demo_CtrlCToTheTerminalsProcessGroup_EveryChildGoneWithinTheDrainTimeout_TwiceInARow()
    {
        for (var run = 1; run <= 2; run++)
        {
            await RunAndStopAsync((demo, _) => Task.FromResult(ProcessTable.Kill(-demo, ProcessTable.SigInt)), $"Ctrl-C, run {run}");
        }
    }

    [Fact]
    public async Task Demo_Sigterm_EveryChildGoneWithinTheDrainTimeout_TwiceInARow()
    {
        for (var run = 1; run <= 2; run++)
        {
            await RunAndStopAsync((demo, _) => Task.FromResult(ProcessTable.Kill(demo, ProcessTable.SigTerm)), $"SIGTERM, run {run}");
        }
    }

    [Fact]
    public async Task UpForeground_SecondCtrlCWhileAnAppIgnoresSigterm_ForcesAndLeavesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new TempDir();
        var manifest = Path.Combine(home.Path, "stubborn.yaml");
        await File.WriteAllTextAsync(manifest, """
            apiVersion: linnet.io/v1alpha1
            kind: Workload
            metadata:
              name: stubborn
            spec:
              replicas: 1
              command: /bin/sh
              args: ["-c", "trap '' TERM; echo up; while :; do sleep 1; done"]
            """, ct);
        var env = new Dictionary<string, string?>
        {
            ["LINNET_HOME"] = home.Path,
            ["LINNET_API"] = $"http://127.0.0.1:{ProcessTable.FreePort()}",
            ["LINNET_GRPC_LISTEN"] = $"127.0.0.1:{ProcessTable.FreePort()}",
            ["LINNET_PROXY"] = Path.Combine(AppContext.BaseDirectory, "linnet-proxy.dll"),
        };
        await using var terminal = await TestProcess.StartAsync(
            "env",
            ["--default-signal=INT,QUIT,TERM", "script", "--quiet", "--flush", "--return", "--command", $"exec dotnet {Linnet} up --foreground -f {manifest}", "/dev/null"],
            env,
            cancellationToken: ct);
        await terminal.WaitForOutputAsync("linnet control plane: API", TimeSpan.FromSeconds(60), ct);
        var up = ProcessTable.ChildRunning(terminal.Id, "linnet.dll up");
        Assert.True(up is not null, terminal.Output);
        var appLog = Path.Combine(home.Path, "instances", "default", "stubborn-0", "app.log");
        using (var limit = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            // Synchronise on the app having started (its first line in its log).
            limit.CancelAfter(TimeSpan.FromSeconds(90));
            using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
            while (!(File.Exists(appLog) && (await File.ReadAllTextAsync(appLog, limit.Token)).Contains("\nup\n", StringComparison.Ordinal)))
            {
                await poll.WaitForNextTickAsync(limit.Token);
            }
        }

        var children = ProcessTable.Descendants(up.Value);
        Assert.Contains(children, c => ProcessTable.CommandLine(c.Pid).Contains("trap", StringComparison.Ordinal));

        Assert.Equal(0, ProcessTable.Kill(-up.Value, ProcessTable.SigInt));
        await terminal.WaitForOutputAsync("a second Ctrl-C forces", TimeSpan.FromSeconds(10), ct);

        // The app ignores SIGTERM, so the graceful stop waits out its grace period: a second Ctrl-C does not.
        Assert.Equal(0, ProcessTable.Kill(-up.Value, ProcessTable.SigInt));
        await terminal.WaitForExitAsync(DrainTimeout, ct);

        Assert.Contains("stopped (forced)", terminal.Output, StringComparison.Ordinal);
        var survivors = children.Where(ProcessTable.IsAlive).ToList();
        Assert.True(survivors.Count == 0, $"still running:\n{string.Join('\n', survivors.Select(s => ProcessTable.CommandLine(s.Pid)))}");
    }

    private static async Task RunAndStopAsync(Func<int, TestProcess, Task<int>> stop, string what)
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new TempDir();

        // A terminal: script(1) runs the demo on a pseudo-terminal, in a session and process group of its own
        // (as a shell runs a foreground job), with SIGINT at its default as a terminal's shell leaves it.
        // Without the releases: the counts below are the five instances of the sample mesh (the releases' run and
        // stop are DemoCommandTests').
        var command = $"exec dotnet {Linnet} demo --refresh 1s --no-rollout";
        await using var terminal = await TestProcess.StartAsync(
            "env",
            ["--default-signal=INT,QUIT,TERM", "script", "--quiet", "--flush", "--return", "--command", command, "/dev/null"],
            new Dictionary<string, string?>
            {
                ["LINNET_HOME"] = home.Path,
                ["LINNET_LINK_DIR"] = home.Path,
                ["LINNET_PROXY"] = Path.Combine(AppContext.BaseDirectory, "linnet-proxy.dll"),
                ["COLUMNS"] = "200",
            },
            cancellationToken: ct);
        await terminal.WaitForOutputAsync("Ctrl-C stops everything", TimeSpan.FromSeconds(150), ct);
        var demo = ProcessTable.ChildRunning(terminal.Id, "linnet.dll demo");
        Assert.True(demo is not null, terminal.Output);
        Assert.Equal(demo, ProcessTable.GroupOf(demo.Value));
        var children = ProcessTable.Descendants(demo.Value);
        Assert.True(children.Count >= 10, $"{what}: expected 5 apps and 5 proxies, found {children.Count}:\n{string.Join('\n', children.Select(c => ProcessTable.CommandLine(c.Pid)))}");

        // Children are in groups of their own: the terminal's signal reaches only the demo.
        Assert.All(children, c => Assert.NotEqual(demo, ProcessTable.GroupOf(c.Pid)));
        var addresses = Address().Matches(terminal.Output).Select(m => IPAddress.Parse(m.Groups[1].Value)).Distinct().ToList();
        Assert.Equal(5, addresses.Count);

        // As root the demo's instances are pods: each app in a network namespace of its own, as a user of its own,
        // with no proxy variable (its traffic is redirected to its proxy); otherwise the demo says why not.
        var apps = children.Where(c => ProcessTable.CommandLine(c.Pid).Contains("linnet-sample-", StringComparison.Ordinal)).ToList();
        Assert.Equal(5, apps.Count);
        if (terminal.Output.Contains("Pods are on ", StringComparison.Ordinal))
        {
            var ownNetwork = new FileInfo("/proc/self/ns/net").LinkTarget;
            Assert.All(apps, a => Assert.NotEqual(ownNetwork, new FileInfo($"/proc/{a.Pid}/ns/net").LinkTarget));
            Assert.All(apps, a => Assert.NotEqual(0, ProcessTable.Uid(a.Pid)));
            Assert.All(apps, a => Assert.DoesNotContain("HTTP_PROXY=", File.ReadAllText($"/proc/{a.Pid}/environ"), StringComparison.Ordinal));
        }
        else
        {
            Assert.Contains("instances are not isolated (", terminal.Output, StringComparison.Ordinal);
        }

        Assert.Equal(0, await stop(demo.Value, terminal));
        await terminal.WaitForExitAsync(DrainTimeout, ct);

        var survivors = children.Where(ProcessTable.IsAlive).ToList();
        Assert.True(survivors.Count == 0, $"{what}: still running:\n{string.Join('\n', survivors.Select(s => ProcessTable.CommandLine(s.Pid)))}");
        Assert.All(addresses, a => Assert.True(ProcessTable.InstanceAddressIsGone(a), $"{what}: {a} still in use"));
        Assert.Contains("Stopped. Logs", terminal.Output, StringComparison.Ordinal);

        // No instance was restarted as if it had crashed while the demo stopped.
        var dataDir = DataDir().Match(terminal.Output).Groups[1].Value;
        foreach (var log in Directory.EnumerateFiles(Path.Combine(dataDir, "instances"), "*.log", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain("restart 1", await File.ReadAllTextAsync(log, ct), StringComparison.Ordinal);
        }

        // What the demo's mesh authenticated with is gone with it: only logs and the store are left.
        var left = Directory.EnumerateFiles(dataDir, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".log", StringComparison.Ordinal) && !f.StartsWith(Path.Combine(dataDir, "store") + "/", StringComparison.Ordinal)).ToList();
        Assert.True(left.Count == 0, $"{what}: left in {dataDir}:\n{string.Join('\n', left)}");
        Assert.True(Directory.EnumerateFiles(Path.Combine(dataDir, "instances"), "app.log", SearchOption.AllDirectories).Count() == 5, $"{what}: the apps' logs are kept");
    }

    /// <summary>An instance's proxy as the demo lists it: a loopback address, or a pod's when isolated (as root).</summary>
    [GeneratedRegex(@"(\d+\.\d+\.\d+\.\d+):4143")]
    private static partial Regex Address();

    [GeneratedRegex(@"Logs and the store are in (\S+)")]
    private static partial Regex DataDir();
}
