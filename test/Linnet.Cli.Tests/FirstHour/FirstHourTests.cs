using System.Text.RegularExpressions;
using Linnet.Testing;

namespace Linnet.Cli.Tests.FirstHour;

/// <summary>A new user's first hour, literally: the quick start's first command (the demo), every command it
/// prints pasted as printed into a new shell, then the README's commands, in a clean environment (a fresh
/// home, a PATH of the system's folders plus where the demo links <c>linnet</c>).</summary>
public sealed partial class FirstHourTests
{
    private static string Linnet => Path.Combine(AppContext.BaseDirectory, "linnet.dll");

    private static string Repository
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Linnet.slnx")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("not inside the repository");
        }
    }

    [Fact]
    public async Task DemoHintsThenReadme_EveryPrintedCommandPastedAsPrinted_Succeeds()
    {
        var ct = TestContext.Current.CancellationToken;
        using var home = new TempDir();
        using var links = new TempDir();
        var shell = new Dictionary<string, string?>
        {
            ["HOME"] = home.Path,
            ["PATH"] = $"{links.Path}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            ["LINNET_HOME"] = Path.Combine(home.Path, ".linnet"),
            ["LINNET_LINK_DIR"] = links.Path,
        };

        // The quick start's first command (its build: `dotnet run` would build the CLI again).
        await using (var demo = await TestProcess.StartAsync("dotnet", [Linnet, "demo"], new Dictionary<string, string?>(shell) { ["COLUMNS"] = "200" }, Repository, ct))
        {
            // The first run publishes the Native AOT proxy: minutes on a busy machine, once.
            await demo.WaitForOutputAsync("Ctrl-C stops everything", TimeSpan.FromMinutes(12), ct);
            var lines = demo.Lines.ToList();
            var from = lines.FindIndex(l => l.Contains("Try these", StringComparison.Ordinal));
            var hints = lines.Skip(from + 1).TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal)).Select(l => l.Trim()).ToList();
            Assert.True(hints.Count >= 6, demo.Output);
            Assert.Contains(hints, h => h.StartsWith("linnet ", StringComparison.Ordinal));
            foreach (var hint in hints)
            {
                Assert.DoesNotContain("|", hint, StringComparison.Ordinal);
                var result = await ShellAsync(hint, shell, Repository, ct);
                Assert.True(result.Code == 0, $"`{hint}` exited {result.Code}:\n{result.Output}");
                Assert.False(string.IsNullOrWhiteSpace(result.Output), $"`{hint}` printed nothing");
            }

            Assert.Equal(0, ProcessTable.Kill(demo.Id, ProcessTable.SigTerm));
            await demo.WaitForExitAsync(TimeSpan.FromSeconds(30), ct);
        }

        // Then the README's commands, in the same clean shell, from the repository's root; a data directory, API
        // and gRPC port of this test's own (LINNET_HOME, LINNET_API, LINNET_GRPC_LISTEN) so that it shares nothing.
        shell["LINNET_API"] = $"http://127.0.0.1:{ProcessTable.FreePort()}";
        shell["LINNET_GRPC_LISTEN"] = $"127.0.0.1:{ProcessTable.FreePort()}";
        var readme = await File.ReadAllTextAsync(Path.Combine(Repository, "README.md"), ct);
        var block = ShellBlock().Matches(readme).Select(m => m.Groups[1].Value).Single(b => b.Contains("linnet up -f", StringComparison.Ordinal));
        var commands = block.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("linnet down", commands[^1].Split('#')[0].Trim());
        try
        {
            foreach (var command in commands)
            {
                var result = await ShellAsync(command, shell, Repository, ct);
                Assert.True(result.Code == 0, $"`{command}` exited {result.Code}:\n{result.Output}");
            }
        }
        finally
        {
            await ShellAsync("linnet down", shell, Repository, CancellationToken.None);
        }
    }

    [Fact]
    public void Readme_QuickStart_IsExactlyTwoCommands()
    {
        var readme = File.ReadAllText(Path.Combine(Repository, "README.md"));
        var quickStart = ShellBlock().Match(readme[readme.IndexOf("## Quick start", StringComparison.Ordinal)..]).Groups[1].Value;

        var commands = quickStart.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        Assert.Equal(2, commands.Length);
        Assert.StartsWith("dotnet run --project src/Linnet.Cli -- demo", commands[0], StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output)> ShellAsync(string command, Dictionary<string, string?> environment, string directory, CancellationToken ct)
    {
        var info = new System.Diagnostics.ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = directory };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command);
        info.Environment.Clear();
        foreach (var (k, v) in environment)
        {
            info.Environment[k] = v;
        }

        using var process = System.Diagnostics.Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, await stdout + await stderr);
    }

    [GeneratedRegex("```sh\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShellBlock();
}
