using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Linnet.EndToEnd.Tests.Infrastructure;

/// <summary>What a test of isolated instances looks at from the host, with the host's own tools: network
/// namespaces (<c>ip netns</c>), interfaces and addresses (<c>ip</c>), and processes (<c>/proc</c>).</summary>
internal static class Pods
{
    /// <summary>Skips the test unless pods can be made here (root, <c>ip</c>, <c>iptables</c>, <c>setpriv</c>);
    /// under <c>CI=true</c> fails it instead.</summary>
    public static void Require()
    {
        string? reason = null;
        if (!OperatingSystem.IsLinux() || Uid(Environment.ProcessId) != 0)
        {
            reason = "isolated instances need root on Linux";
        }
        else if (Run("iptables", "--version").ExitCode != 0 || Run("ip", "-V").ExitCode != 0 || Run("setpriv", "--version").ExitCode != 0)
        {
            reason = "isolated instances need ip, iptables and setpriv (test.sh installs them)";
        }

        if (reason is null)
        {
            return;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail($"{reason}; CI=true, so isolation tests must run rather than skip");
        }

        Assert.Skip(reason);
    }

    /// <summary>A /24 of 10.252.0.0/16 that no interface on the host uses: the test's own pod range.</summary>
    public static IPNetwork PickNetwork() => PickNetworks(1)[0];

    /// <summary><paramref name="count"/> different pod networks no interface uses, for a test that runs several meshes at
    /// once (drawn without replacement: two draws of <see cref="PickNetwork"/> could name the same range).</summary>
    public static IReadOnlyList<IPNetwork> PickNetworks(int count)
    {
        var used = Run("ip", "-o", "-4", "addr", "show").Output;
        var free = Enumerable.Range(0, 256).Where(x => !used.Contains($" 10.252.{x}.", StringComparison.Ordinal)).ToArray();
        Assert.True(free.Length >= count, $"only {free.Length} free pod networks in 10.252.0.0/16, {count} needed");
        Random.Shared.Shuffle(free);
        return [.. free.Take(count).Select(x => IPNetwork.Parse(string.Create(CultureInfo.InvariantCulture, $"10.252.{x}.0/24")))];
    }

    /// <summary>The names of the host's network namespaces.</summary>
    public static List<string> Namespaces() =>
        [.. Run("ip", "netns", "list").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', 2)[0])];

    /// <summary>The namespace whose interfaces hold <paramref name="address"/>, with its kernel id (the inode
    /// <c>/proc/&lt;pid&gt;/ns/net</c> names), or null.</summary>
    public static (string Name, string Id)? NamespaceOf(string address)
    {
        foreach (var name in Namespaces())
        {
            var addresses = Run("ip", "-n", name, "-o", "-4", "addr", "show").Output;
            if (addresses.Contains($" {address}/", StringComparison.Ordinal))
            {
                return (name, new FileInfo($"/run/netns/{name}").Exists ? Run("stat", "-L", "-c", "%i", $"/run/netns/{name}").Output.Trim() : "");
            }
        }

        return null;
    }

    /// <summary>Host interfaces with an address in <paramref name="network"/>.</summary>
    public static List<string> HostInterfacesIn(IPNetwork network) =>
        [.. Run("ip", "-o", "-4", "addr", "show").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is var f && Array.IndexOf(f, "inet") is var i && i > 0
                && IPNetwork.TryParse(f[i + 1], out var n) && network.Contains(n.BaseAddress))];

    /// <summary>Live processes whose network namespace is <paramref name="namespaceId"/>, with their command lines.</summary>
    public static List<(int Pid, string CommandLine)> ProcessesIn(string namespaceId)
    {
        var found = new List<(int, string)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                if (new FileInfo(Path.Combine(dir, "ns", "net")).LinkTarget == $"net:[{namespaceId}]" && ProcessScan.IsAlive(pid))
                {
                    found.Add((pid, File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').TrimEnd()));
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone while we looked.
            }
        }

        return found;
    }

    /// <summary>The real uid of <paramref name="pid"/>.</summary>
    public static int Uid(int pid) =>
        int.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    /// <summary>The environment <paramref name="pid"/> was started with.</summary>
    public static Dictionary<string, string> EnvironmentOf(int pid) =>
        File.ReadAllText($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(v => v.Split('=', 2)).Where(p => p.Length == 2).GroupBy(p => p[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last()[1], StringComparer.Ordinal);

    /// <summary>Runs a host tool; its exit code and output.</summary>
    public static (int ExitCode, string Output) Run(params string[] arguments)
    {
        var info = new ProcessStartInfo(arguments[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments.AsSpan(1))
        {
            info.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(info)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output + stderr.GetAwaiter().GetResult());
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, ex.Message);
        }
    }
}
