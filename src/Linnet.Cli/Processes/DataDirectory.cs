using Linnet.Platform.Universal.Supervisor;

namespace Linnet.Cli.Processes;

/// <summary>The universal-mode data directory: where the control plane writes its pid, log and store.</summary>
internal sealed class DataDirectory(string path)
{
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    public string PidFile => System.IO.Path.Combine(Path, "control-plane.pid");

    public string LogFile => System.IO.Path.Combine(Path, "control-plane.log");

    /// <summary>The running control plane's pid, or null when none is running. The pid file is a
    /// <see cref="ProcessRecord"/>: trusted only while that very process runs. A file holding only a pid (an older
    /// control plane) is trusted on the pid alone.</summary>
    public int? RunningPid() => ProcessRecord.ReadRunning(PidFile, pidAloneTrusted: true)?.Pid;

    /// <summary>Processes whose command line mentions this data directory: what a control plane started.</summary>
    public IReadOnlyList<int> ProcessesUsingIt()
    {
        var found = new List<int>();
        var self = Environment.ProcessId;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(System.IO.Path.GetFileName(dir), out var pid) || pid == self)
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(System.IO.Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains(Path + System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal) || cmdline.EndsWith(" " + Path + " ", StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
                // Gone while we looked.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return found;
    }

    /// <summary>True while <paramref name="pid"/> runs and is not a zombie; a process that exits while its
    /// <c>/proc</c> entry is read counts as gone (the read then fails with ESRCH).</summary>
    public static bool IsAlive(int pid) => ProcessTree.Identify(pid) is not null;
}
