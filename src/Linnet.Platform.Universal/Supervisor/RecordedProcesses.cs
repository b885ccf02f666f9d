namespace Linnet.Platform.Universal.Supervisor;

/// <summary>Every process the supervisor starts is recorded in its instance folder (<c>app.pid</c>,
/// <c>proxy.pid</c>, in <see cref="ProcessRecord"/>'s format, so that a reused pid is never mistaken for it). A control
/// plane that died without stopping its instances (SIGKILL, a crash) leaves them running, orphaned, still
/// holding their addresses; the next supervisor on the same data directory stops them before it starts
/// the instances again, and <c>linnet down</c> stops them when no control plane runs.</summary>
public static class RecordedProcesses
{
    private const string Extension = ".pid";
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(10);

    /// <summary>The recorded processes under <paramref name="dataDirectory"/> that are still running (pids).</summary>
    public static IReadOnlyList<int> FindRunning(string dataDirectory) => [.. Running(dataDirectory).Select(p => p.Pid)];

    /// <summary>Stops every recorded process under <paramref name="dataDirectory"/> that still runs, with
    /// the children it started: SIGTERM, then SIGKILL to whatever is left after <paramref name="grace"/>
    /// (at once when <paramref name="cancellationToken"/> fires). Returns how many recorded processes it
    /// found running; their records are removed.</summary>
    public static async Task<int> StopAsync(string dataDirectory, TimeSpan grace, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(time);
        var running = Running(dataDirectory);
        var descendants = running.SelectMany(p => ProcessTree.Descendants(p.Pid)).ToList();
        foreach (var process in running)
        {
            _ = NativeMethods.Kill(process.Pid, NativeMethods.SigTerm);
        }

        try
        {
            await UntilGoneAsync(running, grace, time, cancellationToken);
        }
        finally
        {
            ProcessTree.KillSurvivors(running);
            ProcessTree.KillSurvivors(descendants);
        }

        await UntilGoneAsync(running, KillWait, time, CancellationToken.None);
        foreach (var file in Files(dataDirectory))
        {
            TryDelete(file);
        }

        return running.Count;
    }

    /// <summary>Records <paramref name="pid"/> as the <paramref name="role"/> process of the instance in
    /// <paramref name="instanceDirectory"/>, replacing the record of its previous run.</summary>
    internal static void Record(string instanceDirectory, ProcessRole role, int pid) =>
        // A full disk must not stop the instance; only a crash's cleanup is weaker.
        ProcessRecord.TryWrite(Path.Combine(instanceDirectory, role.ToString().ToLowerInvariant() + Extension), pid);

    private static List<ProcessIdentity> Running(string dataDirectory) =>
        [.. Files(dataDirectory).Select(file => ProcessRecord.ReadRunning(file)).OfType<ProcessIdentity>()];

    private static IEnumerable<string> Files(string dataDirectory)
    {
        var instances = Path.Combine(dataDirectory, "instances");
        if (!Directory.Exists(instances))
        {
            return [];
        }

        // instances/<namespace>/<instance>/<role>.pid
        return Directory.EnumerateFiles(instances, "*" + Extension, new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 2 });
    }

    private static async Task UntilGoneAsync(List<ProcessIdentity> processes, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (processes.Exists(ProcessTree.IsAlive) && time.GetElapsedTime(started) < timeout)
        {
            await Task.Delay(Poll, time, cancellationToken);
        }
    }

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Harmless: a record of a process that is gone never matches a live one.
        }
    }
}
