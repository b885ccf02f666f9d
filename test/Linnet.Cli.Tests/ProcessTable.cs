using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Linnet.Cli.Tests;

/// <summary>What runs on this machine, read from <c>/proc</c>: a process's descendants (pid and start time, so
/// that a reused pid is not mistaken for a survivor), signals, and whether an address's port is free.</summary>
internal static partial class ProcessTable
{
    public const int SigInt = 2;
    public const int SigTerm = 15;

    public static List<(int Pid, ulong Start)> Descendants(int root)
    {
        var children = new Dictionary<int, List<(int, ulong)>>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Read(pid) is { } stat)
            {
                if (!children.TryGetValue(stat.Parent, out var list))
                {
                    children[stat.Parent] = list = [];
                }

                list.Add((pid, stat.Start));
            }
        }

        var result = new List<(int, ulong)>();
        var pending = new Queue<int>([root]);
        while (pending.Count > 0)
        {
            foreach (var child in children.GetValueOrDefault(pending.Dequeue()) ?? [])
            {
                result.Add(child);
                pending.Enqueue(child.Item1);
            }
        }

        return result;
    }

    /// <summary>The direct child of <paramref name="parent"/> whose command line contains <paramref name="text"/>.</summary>
    public static int? ChildRunning(int parent, string text) =>
        Descendants(parent).Select(d => d.Pid).FirstOrDefault(p => CommandLine(p).Contains(text, StringComparison.Ordinal)) is var pid and > 0 ? pid : null;

    /// <summary>True while that very process runs (and is not a zombie).</summary>
    public static bool IsAlive((int Pid, ulong Start) process) =>
        Read(process.Pid) is { } stat && stat.Start == process.Start && stat.State != 'Z';

    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>The real uid of <paramref name="pid"/>.</summary>
    public static int Uid(int pid) =>
        int.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    /// <summary>The process group of <paramref name="pid"/>.</summary>
    public static int? GroupOf(int pid) => Read(pid)?.Group;

    /// <summary>True when nothing listens on (or holds) <paramref name="address"/>:<paramref name="port"/>.</summary>
    public static bool PortIsFree(IPAddress address, int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>True when an instance address is released: on loopback, nothing holds its proxy's ports; a pod's
    /// address (isolated instances) is on no interface of the host or of any network namespace.</summary>
    public static bool InstanceAddressIsGone(IPAddress address)
    {
        if (address.GetAddressBytes()[0] == 127)
        {
            return PortIsFree(address, 4143) && PortIsFree(address, 4191);
        }

        var holders = Run("ip", "-o", "-4", "addr", "show");
        foreach (var line in Run("ip", "netns", "list").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            holders += Run("ip", "-n", line.Split(' ', 2)[0], "-o", "-4", "addr", "show");
        }

        return !holders.Contains($" {address}/", StringComparison.Ordinal);
    }

    private static string Run(params string[] arguments)
    {
        var info = new System.Diagnostics.ProcessStartInfo(arguments[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments.AsSpan(1))
        {
            info.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return output;
    }

    public static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    private static (int Parent, int Group, ulong Start, char State)? Read(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/stat"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (int.Parse(fields[1], CultureInfo.InvariantCulture), int.Parse(fields[2], CultureInfo.InvariantCulture), ulong.Parse(fields[19], CultureInfo.InvariantCulture), fields[0][0]);
    }
}
