using System.Globalization;

namespace Linnet.Cli.Processes;

/// <summary>The universal-mode data directory: where the control plane writes its pid, log and store.</summary>
internal sealed class DataDirectory(string path)
{
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    public string PidFile => System.IO.Path.Combine(Path, "control-plane.pid");

    public string LogFile => System.IO.Path.Combine(Path, "control-plane.log");

    /// <summary>The running control plane's pid, or null when none is running.</summary>
    public int? RunningPid()
    {
        if (!File.Exists(PidFile) || !int.TryParse(File.ReadAllText(PidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return null;
        }

        return IsAlive(pid) ? pid : null;
    }

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

    public static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2].Equals("Z", StringComparison.Ordinal);
}
