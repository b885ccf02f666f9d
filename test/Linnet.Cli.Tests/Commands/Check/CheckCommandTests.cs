using System.Text.Json.Nodes;
using Linnet.Testing;

namespace Linnet.Cli.Tests.Commands.Check;

/// <summary><c>linnet check</c> covers the apps too: an app that keeps crashing fails the check, named, with its
/// restarts and last exit; <c>get instances</c> shows the same.</summary>
public sealed class CheckCommandTests
{
    private static string Linnet => Path.Combine(AppContext.BaseDirectory, "linnet.dll");

    [Fact]
    public async Task Check_CrashLoopingApp_FailsNamingItWithRestartsAndExitCode()
    {
        var ct = TestContext.Current.CancellationToken;
        using var data = new TempDir();
        var api = $"http://127.0.0.1:{ProcessTable.FreePort()}";
        var env = new Dictionary<string, string?>
        {
            ["LINNET_HOME"] = data.Path,
            ["LINNET_API"] = api,
            ["LINNET_GRPC_LISTEN"] = $"127.0.0.1:{ProcessTable.FreePort()}",
            ["LINNET_PROXY"] = Path.Combine(AppContext.BaseDirectory, "linnet-proxy.dll"),
            ["COLUMNS"] = "250",
        };
        await using var controlPlane = await TestProcess.StartAsync("dotnet", [Linnet, "up", "--foreground", "--first-address", OwnAddresses(), "--isolation", "off"], env, cancellationToken: ct);
        await controlPlane.WaitForOutputAsync("linnet control plane: API", TimeSpan.FromSeconds(60), ct);
        var manifest = Path.Combine(data.Path, "crash.yaml");
        await File.WriteAllTextAsync(manifest, """
            apiVersion: linnet.io/v1alpha1
            kind: Workload
            metadata:
              name: crasher
            spec:
              replicas: 1
              command: /bin/sh
              args: ["-c", "echo starting; exit 3"]
            """, ct);
        Assert.Equal(0, (await RunAsync(env, ["apply", "-f", manifest], ct)).Code);

        // Synchronise on the real event: the supervisor has restarted the app after its exit.
        JsonNode? instance = null;
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeSpan.FromSeconds(90));
        while (await poll.WaitForNextTickAsync(limit.Token))
        {
            var get = await RunAsync(env, ["get", "instances", "-o", "json"], ct);
            instance = JsonNode.Parse(get.Stdout)?.AsArray().FirstOrDefault(i => i?["metadata"]?["name"]?.ToString() == "crasher-0");
            if (instance?["spec"]?["restarts"]?.GetValue<int>() >= 1 && instance["spec"]?["lastExit"] is not null)
            {
                break;
            }
        }

        Assert.Equal(3, instance?["spec"]?["lastExit"]?["exitCode"]?.GetValue<int>());
        Assert.Equal("app", instance?["spec"]?["lastExit"]?["process"]?.ToString());

        var check = await RunAsync(env, ["check", "--wait", "0s", "-o", "json"], ct);
        Assert.Equal(1, check.Code);
        var report = JsonNode.Parse(check.Stdout)!;
        Assert.False(report["ok"]!.GetValue<bool>());
        Assert.True(report["controlPlane"]!["reachable"]!.GetValue<bool>());
        var crasher = report["instances"]!.AsArray().Single(i => i?["name"]?.ToString() == "crasher-0")!;
        Assert.False(crasher["ok"]!.GetValue<bool>());
        Assert.True(crasher["restarts"]!.GetValue<int>() >= 1);
        Assert.Contains(report["problems"]!.AsArray(), p => p!.ToString().Contains("default/crasher-0", StringComparison.Ordinal) && p.ToString().Contains("exited with code 3", StringComparison.Ordinal));
        Assert.Contains(report["workloads"]!.AsArray(), w => w?["name"]?.ToString() == "crasher" && !w["ok"]!.GetValue<bool>());

        // Not isolated (--isolation off): up said so when it started, and check says how many instances share the host.
        Assert.Contains("instances are not isolated (--isolation off)", controlPlane.Output, StringComparison.Ordinal);
        Assert.Equal(1, report["notIsolated"]!.GetValue<int>());

        var table = await RunAsync(env, ["check", "--wait", "0s"], ct);
        Assert.Equal(1, table.Code);
        Assert.Contains("crasher-0", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("1 instance(s) are not isolated: they share the host's network and user", table.Stdout, StringComparison.Ordinal);
        var instances = await RunAsync(env, ["get", "instances"], ct);
        Assert.True(instances.Stdout.Contains("RESTARTS", StringComparison.Ordinal), $"get instances printed:\n{instances.Stdout}\nstderr:\n{instances.Stderr}");

        Assert.Equal(0, ProcessTable.Kill(controlPlane.Id, ProcessTable.SigTerm));
        Assert.Equal(0, await controlPlane.WaitForExitAsync(TimeSpan.FromSeconds(30), ct));
    }

    [Fact]
    public async Task GetInstances_CommandNotFound_LastExitSaysWhyAndCheckFails()
    {
        var ct = TestContext.Current.CancellationToken;
        using var data = new TempDir();
        var env = new Dictionary<string, string?>
        {
            ["LINNET_HOME"] = data.Path,
            ["LINNET_API"] = $"http://127.0.0.1:{ProcessTable.FreePort()}",
            ["LINNET_GRPC_LISTEN"] = $"127.0.0.1:{ProcessTable.FreePort()}",
            ["LINNET_PROXY"] = Path.Combine(AppContext.BaseDirectory, "linnet-proxy.dll"),
        };
        await using var controlPlane = await TestProcess.StartAsync("dotnet", [Linnet, "up", "--foreground", "--first-address", OwnAddresses(), "--isolation", "off"], env, cancellationToken: ct);
        await controlPlane.WaitForOutputAsync("linnet control plane: API", TimeSpan.FromSeconds(60), ct);
        var manifest = Path.Combine(data.Path, "missing.yaml");
        await File.WriteAllTextAsync(manifest, """
            apiVersion: linnet.io/v1alpha1
            kind: Workload
            metadata:
              name: missing
            spec:
              replicas: 1
              command: linnet-no-such-program
            """, ct);
        Assert.Equal(0, (await RunAsync(env, ["apply", "-f", manifest], ct)).Code);

        JsonNode? exit = null;
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeSpan.FromSeconds(60));
        while (exit is null && await poll.WaitForNextTickAsync(limit.Token))
        {
            var get = await RunAsync(env, ["get", "instance", "missing-0", "-o", "json"], ct);
            exit = get.Code == 0 ? JsonNode.Parse(get.Stdout)?["spec"]?["lastExit"] : null;
        }

        Assert.Equal("app", exit?["process"]?.ToString());
        Assert.Null(exit?["exitCode"]);
        Assert.Contains("cannot start: no executable 'linnet-no-such-program'", exit?["reason"]?.ToString(), StringComparison.Ordinal);
        var check = await RunAsync(env, ["check", "--wait", "0s", "-o", "json"], ct);
        Assert.Equal(1, check.Code);
        Assert.Contains(JsonNode.Parse(check.Stdout)!["problems"]!.AsArray(), p => p!.ToString().Contains("default/missing-0", StringComparison.Ordinal));

        Assert.Equal(0, ProcessTable.Kill(controlPlane.Id, ProcessTable.SigTerm));
        Assert.Equal(0, await controlPlane.WaitForExitAsync(TimeSpan.FromSeconds(30), ct));
    }

    [Fact]
    public async Task Check_ControlPlaneUnreachable_Exits3WithJsonReport()
    {
        var ct = TestContext.Current.CancellationToken;
        var env = new Dictionary<string, string?> { ["LINNET_API"] = $"http://127.0.0.1:{ProcessTable.FreePort()}" };

        var check = await RunAsync(env, ["check", "--wait", "0s", "-o", "json"], ct);

        Assert.Equal(3, check.Code);
        var report = JsonNode.Parse(check.Stdout)!;
        Assert.False(report["ok"]!.GetValue<bool>());
        Assert.False(report["controlPlane"]!["reachable"]!.GetValue<bool>());
    }

    internal static async Task<(int Code, string Stdout, string Stderr)> RunAsync(IReadOnlyDictionary<string, string?> env, string[] args, CancellationToken ct)
    {
        var info = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Linnet);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env)
        {
            info.Environment[k] = v;
        }

        using var process = System.Diagnostics.Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, await stdout, await stderr);
    }

    // Test classes run in parallel, and the demo tests' meshes start at 127.1.0.1 too: a range of this test's own
    // keeps another mesh's proxy from holding the port this one's proxy binds.
    private static string OwnAddresses() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"127.{System.Security.Cryptography.RandomNumberGenerator.GetInt32(100, 250)}.0.1");
}
