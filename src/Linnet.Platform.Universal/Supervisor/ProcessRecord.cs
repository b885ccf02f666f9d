using System.Globalization;

namespace Linnet.Platform.Universal.Supervisor;

/// <summary>The one format of a pid file in the data directory (the control plane's <c>control-plane.pid</c>, each
/// instance's <c>app.pid</c> and <c>proxy.pid</c>): "pid starttime", the start time in clock ticks since boot as
/// <c>/proc/pid/stat</c> gives it. A process killed with SIGKILL leaves its file behind, and once pids wrap
/// (pid_max may be 32768) its pid may be another process's: a record is trusted only while that very process
/// runs, so nothing ever signals a stranger that reused the pid.</summary>
public static class ProcessRecord
{
    /// <summary>Writes the record of <paramref name="pid"/> to <paramref name="path"/>; false when the process is
    /// already gone (nothing to find later) or the file cannot be written.</summary>
    public static bool TryWrite(string path, int pid)
    {
        if (ProcessTree.Identify(pid) is not { } identity)
        {
            return false;
        }

        try
        {
            File.WriteAllText(path, string.Create(CultureInfo.InvariantCulture, $"{identity.Pid} {identity.StartTime}\n"));
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The process recorded in <paramref name="path"/> while that very process still runs; null when the
    /// file is missing, unreadable or malformed, or the process is gone or its pid now belongs to another.
    /// With <paramref name="pidAloneTrusted"/>, a file holding a pid alone (written by an older version) is
    /// trusted on the pid.</summary>
    public static ProcessIdentity? ReadRunning(string path, bool pidAloneTrusted = false)
    {
        string[] fields;
        try
        {
            fields = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        if (fields.Length is < 1 or > 2
            || !int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            || ProcessTree.Identify(pid) is not { } running)
        {
            return null;
        }

        if (fields.Length == 1)
        {
            return pidAloneTrusted ? running : null;
        }

        return ulong.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var start) && start == running.StartTime
            ? running
            : null;
    }
}
