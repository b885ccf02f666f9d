using System.Globalization;

namespace Linnet.Bench.ControlPlane;

/// <summary>Reads <c>/proc</c>: resident set sizes and CPU time.</summary>
internal static class ProcFs
{
    /// <summary>VmRSS of a process in KiB, or null when it is gone.</summary>
    public static long? RssKb(int pid) => StatusField(pid, "VmRSS:");

    /// <summary>A "Name: value kB" field of /proc/PID/status.</summary>
    public static long? StatusField(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    var parts = line[field.Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                    return long.Parse(parts[0], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    /// <summary>utime + stime of a process in clock ticks (0 when it is gone).</summary>
    public static long CpuTicks(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var rest = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            // After "pid (comm) ", field 3 (state) is rest[0]; utime and stime are fields 14 and 15.
            return long.Parse(rest[11], CultureInfo.InvariantCulture) + long.Parse(rest[12], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Busy ticks of the whole machine: user nice system irq softirq.</summary>
    public static long MachineBusyTicks()
    {
        var line = File.ReadLines("/proc/stat").First(l => l.StartsWith("cpu ", StringComparison.Ordinal));
        var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long V(int i) => long.Parse(f[i], CultureInfo.InvariantCulture);
        return V(1) + V(2) + V(3) + V(6) + V(7);
    }
}
