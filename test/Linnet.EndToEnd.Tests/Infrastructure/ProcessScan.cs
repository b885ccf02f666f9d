using System.Globalization;
using Linnet.Platform.Universal.Supervisor;

namespace Linnet.EndToEnd.Tests.Infrastructure;

/// <summary>Finds live processes that belong to a mesh's data directory: those whose command line names it
/// (the control plane, the proxies) and those running inside it (apps run in their instance folder).</summary>
internal static class ProcessScan
{
    public static List<(int Pid, string CommandLine)> Using(string dataDirectory)
    {
        var found = new List<(int, string)>();
        var self = Environment.ProcessId;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == self)
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').TrimEnd();
                var cwd = new FileInfo(Path.Combine(dir, "cwd")).LinkTarget ?? "";
                if ((cmdline.Contains(dataDirectory, StringComparison.Ordinal) || cwd.StartsWith(dataDirectory, StringComparison.Ordinal)) && IsAlive(pid))
                {
                    found.Add((pid, cmdline));
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone while we looked.
            }
        }

        return found;
    }

    /// <summary>True while <paramref name="pid"/> exists and is not a zombie (this host's init does not reap).</summary>
    public static bool IsAlive(int pid) => ProcessTree.Identify(pid) is not null;
}
