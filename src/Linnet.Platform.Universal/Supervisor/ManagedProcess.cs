using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Linnet.Platform.Universal.Supervisor;

/// <summary>A child process the supervisor owns: stdout and stderr appended to a log file, stdin closed,
/// started in a session (and process group) of its own, stopped with SIGTERM then SIGKILL of its whole
/// tree and group, children it started included.</summary>
/// <remarks>The own session is what keeps a terminal's Ctrl-C (SIGINT to the whole foreground process
/// group) from reaching apps and proxies directly: only Linnet gets it, and stops them in order. The
/// session is made by <c>setsid(1)</c>, which <c>exec</c>s the program in place (the child is never a
/// group leader, so it does not fork): the pid we hold is the program's, and the group id equals it.</remarks>
internal sealed class ManagedProcess : IDisposable
{
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(10);

    /// <summary>util-linux's <c>setsid</c> (Essential on Debian); without it children share our group.</summary>
    private static readonly string? Setsid = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    private readonly Process _process;
    private readonly TimeProvider _time;
    private readonly StreamWriter _log;
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private List<ProcessIdentity> _descendants = [];
    private bool _logClosed;

    private ManagedProcess(Process process, StreamWriter log, TimeProvider time)
    {
        _process = process;
        _log = log;
        _time = time;
    }

    /// <summary>The OS process id.</summary>
    public int Id { get; private set; }

    /// <summary>Completes with the exit code when the process has exited.</summary>
    public Task<int> Exited => _exited.Task;

    /// <summary>True until the process has exited.</summary>
    public bool IsRunning => !_exited.Task.IsCompleted;

    /// <summary>Starts the process; its output is appended to <paramref name="logPath"/> after a line naming
    /// this start. Throws (after logging why) when the program cannot be started.</summary>
    public static ManagedProcess Start(ProcessLaunch launch, string logPath, string header, TimeProvider time)
    {
        var info = new ProcessStartInfo(Setsid ?? launch.FileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = launch.WorkingDirectory,
        };
        if (Setsid is not null)
        {
            info.ArgumentList.Add(launch.FileName);
        }

        foreach (var argument in launch.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in launch.Environment)
        {
            info.Environment[name] = value;
        }

        var stream = new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        var log = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true };
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var managed = new ManagedProcess(process, log, time);
        var stamp = time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        managed.WriteLine($"----- {stamp} {header}: {launch.FileName} {string.Join(' ', launch.Arguments)} -----");
        process.OutputDataReceived += (_, e) => managed.WriteLine(e.Data);
        process.ErrorDataReceived += (_, e) => managed.WriteLine(e.Data);
        process.Exited += (_, _) => managed.OnExited();
        try
        {
            process.Start();
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException or IOException)
        {
            managed.WriteLine($"----- cannot start {launch.FileName}: {ex.Message} -----");
            managed.CloseLog();
            process.Dispose();
            throw;
        }

        managed.Id = process.Id;
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _ = managed.CloseLogWhenDrainedAsync();
        return managed;
    }

    /// <summary>Remembers the process's current descendants, to kill them should they outlive it.</summary>
    public void RefreshDescendants()
    {
        if (IsRunning)
        {
            var found = ProcessTree.Descendants(Id);
            lock (_gate)
            {
                _descendants = found;
            }
        }
    }

    /// <summary>SIGTERM; after <paramref name="grace"/> (or at once when <paramref name="cancellationToken"/> is
    /// canceled) SIGKILL to the whole tree. Returns when the process is gone; also kills children it left.</summary>
    public async Task StopAsync(TimeSpan grace, CancellationToken cancellationToken)
    {
        if (IsRunning)
        {
            RefreshDescendants();
            _ = NativeMethods.Kill(Id, NativeMethods.SigTerm);
            try
            {
                await _exited.Task.WaitAsync(grace, _time, cancellationToken);
            }
            catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
            {
                Kill();
                try
                {
                    await _exited.Task.WaitAsync(KillWait, _time, CancellationToken.None);
                }
                catch (TimeoutException)
                {
                    // SIGKILL cannot be ignored; a process stuck in the kernel (D state) is beyond our reach.
                }
            }
        }

        KillLeftovers();
    }

    /// <summary>SIGKILL to the process, its tree and any children it left; does not wait.</summary>
    public void Kill()
    {
        if (IsRunning)
        {
            RefreshDescendants();
            if (Setsid is not null)
            {
                // The whole group at once, descendants that were not seen yet included.
                _ = NativeMethods.Kill(-Id, NativeMethods.SigKill);
            }

            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (Exception ex) when (ex is InvalidOperationException or Win32Exception or NotSupportedException)
            {
                // Already exited.
            }
        }

        KillLeftovers();
    }

    /// <summary>SIGKILL to descendants seen earlier that outlived the process.</summary>
    public void KillLeftovers()
    {
        List<ProcessIdentity> known;
        lock (_gate)
        {
            known = _descendants;
        }

        ProcessTree.KillSurvivors(known);
    }

    public void Dispose()
    {
        CloseLog();
        _process.Dispose();
    }

    private void OnExited()
    {
        int code;
        try
        {
            code = _process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            code = -1;
        }

        _exited.TrySetResult(code);
    }

    private async Task CloseLogWhenDrainedAsync()
    {
        try
        {
            // Completes once the output pipes reach end of file, so every line is in the log first.
            await _process.WaitForExitAsync();
            WriteLine($"----- exited with code {_process.ExitCode} -----");
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
            // Disposed while running: Dispose closes the log.
        }

        CloseLog();
    }

    private void WriteLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            if (!_logClosed)
            {
                try
                {
                    _log.WriteLine(line);
                }
                catch (IOException)
                {
                    // A full disk must not take the supervisor down; the line is lost.
                }
            }
        }
    }

    private void CloseLog()
    {
        lock (_gate)
        {
            if (!_logClosed)
            {
                _logClosed = true;
                _log.Dispose();
            }
        }
    }
}
