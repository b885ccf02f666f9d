namespace Linnet.Platform.Universal.Isolation;

/// <summary>Whether this host can run isolated instances.</summary>
public static class IsolationSupport
{
    /// <summary>Makes this process the owner of the mesh's pods and removes the pods of meshes whose owner is gone
    /// (freeing their ranges), chooses the pod range when none was given, makes the mesh's bridge (removing pods an
    /// earlier run left) and returns the options with the range, and the bridge's address, where the control plane
    /// listens for the proxies in pods. The ownership lasts as long as this process, or until the supervisor's
    /// clean-up.</summary>
    public static (IsolationOptions Options, System.Net.IPAddress Bridge) PrepareBridge(IsolationOptions options, string dataDirectory)
    {
        PodNetwork.ClaimAndReap(options, dataDirectory);
        var chosen = PodNetwork.ChooseNetwork(options, dataDirectory);
        var pods = new PodNetwork(chosen, dataDirectory);
        pods.Prepare();
        return (chosen, pods.Gateway);
    }

    /// <summary>Null when a workload's uid can reach <paramref name="path"/> (every folder on the way searchable by
    /// others), else the folder that stops it: programs under <c>/root</c>, say, cannot run isolated.</summary>
    public static string? UnreachableByWorkloads(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        for (var dir = new DirectoryInfo(Path.GetFullPath(path)); dir is not null; dir = dir.Parent)
        {
            if (dir.Exists && (dir.UnixFileMode & UnixFileMode.OtherExecute) == 0)
            {
                return dir.FullName;
            }
        }

        return null;
    }

    /// <summary>Whether pods can be made here: root on Linux, with <c>ip</c> and <c>iptables</c>. Null when they
    /// can, else why not (said by <c>linnet check</c> and <c>linnet up</c>).</summary>
    public static string? Unavailable()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "instances are isolated only on Linux";
        }

        if (!IsRoot())
        {
            return "not running as root: instances share the host's network and user, each on a loopback address";
        }

        foreach (var tool in (string[])["ip", "iptables", "setpriv"])
        {
            if (!OnPath(tool))
            {
                return $"'{tool}' is not installed (iproute2, iptables, util-linux): instances are not isolated";
            }
        }

        return null;
    }

    private static bool IsRoot() => File.Exists("/proc/self/status")
        && File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal)) is { } uid
        && uid.Split('\t', StringSplitOptions.RemoveEmptyEntries) is [_, "0", ..];

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").Split(':')
            .Append("/usr/sbin").Append("/sbin")
            .Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, tool)));
}
