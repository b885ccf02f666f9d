using System.Globalization;

namespace Linnet.Platform.Universal.Supervisor;

/// <summary>Finds a process's descendants in <c>/proc</c>, so that children an app started can be killed
/// even after the app itself is gone (they are reparented then, out of <see cref="System.Diagnostics.Process"/>'s reach).</summary>
public static class ProcessTree
{
    /// <summary>Every descendant of <paramref name="root"/> (not the root itself); empty off Linux.</summary>
    public static List<ProcessIdentity> Descendants(int root)
    {
        var result = new List<ProcessIdentity>();
        if (!OperatingSystem.IsLinux())
        {
            return result;
        }

        var children = new Dictionary<int, List<ProcessIdentity>>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && TryRead(pid, out var parent, out var startTime, out _))
            {
                if (!children.TryGetValue(parent, out var list))
                {
                    children[parent] = list = [];
                }

                list.Add(new ProcessIdentity(pid, startTime));
            }
        }

        var pending = new Queue<int>();
        pending.Enqueue(root);
        while (pending.Count > 0 && result.Count < 4096)
        {
            if (children.TryGetValue(pending.Dequeue(), out var list))
            {
                foreach (var child in list)
                {
                    result.Add(child);
                    pending.Enqueue(child.Pid);
                }
            }
        }

        return result;
    }

    /// <summary>The identity of the running process <paramref name="pid"/>; null when there is none (or off Linux).</summary>
    public static ProcessIdentity? Identify(int pid) =>
        TryRead(pid, out _, out var startTime, out var state) && state != 'Z' ? new ProcessIdentity(pid, startTime) : null;

    /// <summary>True while that very process (same pid and start time) exists and is not a zombie.</summary>
    public static bool IsAlive(ProcessIdentity process) =>
        TryRead(process.Pid, out _, out var startTime, out var state) && startTime == process.StartTime && state != 'Z';

    /// <summary>SIGKILL to each of <paramref name="processes"/> that is still alive.</summary>
    public static void KillSurvivors(IEnumerable<ProcessIdentity> processes)
    {
        foreach (var process in processes)
        {
            if (IsAlive(process))
            {
                _ = NativeMethods.Kill(process.Pid, NativeMethods.SigKill);
            }
        }
    }

    private static bool TryRead(int pid, out int parent, out ulong startTime, out char state)
    {
        parent = 0;
        startTime = 0;
        state = '?';
        string stat;
        try
        {
            stat = File.ReadAllText(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/stat"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }

        // "pid (comm) state ppid ... starttime(22nd field)": comm may hold spaces and parentheses.
        var close = stat.LastIndexOf(')');
        if (close < 0)
        {
            return false;
        }

        var fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 20
            || !int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out parent)
            || !ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out startTime))
        {
            return false;
        }

        state = fields[0][0];
        return true;
    }
}
