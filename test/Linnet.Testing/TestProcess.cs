using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Linnet.Testing;

/// <summary>
/// An external process under test with stdout/stderr captured line by line. Dispose kills the whole
/// process tree if it is still running.
/// </summary>
public sealed class TestProcess : IAsyncDisposable
{
    private static readonly TimeSpan KillWaitTimeout = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];
    private readonly StringBuilder _output = new();
    private readonly List<(string Substring, TaskCompletionSource Signal)> _waiters = [];
    private readonly Task _exited;
    private bool _hasExited;
    private int _disposed;

    private TestProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start '{process.StartInfo.FileName}'.");
        }

        Id = process.Id;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _exited = WatchExitAsync();
    }

    /// <summary>The OS process id.</summary>
    public int Id { get; }

    /// <summary>True once the process has exited and its output has been fully read.</summary>
    public bool HasExited
    {
        get
        {
            lock (_gate)
            {
                return _hasExited;
            }
        }
    }

    /// <summary>The exit code once <see cref="HasExited"/>, otherwise null.</summary>
    public int? ExitCode => HasExited ? _process.ExitCode : null;

    /// <summary>All captured stdout and stderr lines, in arrival order, joined with '\n'.</summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>A snapshot of the captured lines (stdout and stderr interleaved in arrival order).</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>
    /// Starts <paramref name="fileName"/> with <paramref name="arguments"/> (passed verbatim, no shell).
    /// <paramref name="environment"/> entries are added to the inherited environment; a null value removes a variable.
    /// </summary>
    public static Task<TestProcess> StartAsync(
        string fileName,
        IEnumerable<string>? arguments = null,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? workingDirectory = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        cancellationToken.ThrowIfCancellationRequested();

        var startInfo = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        foreach (var argument in arguments ?? [])
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                startInfo.Environment.Remove(name);
            }
            else
            {
                startInfo.Environment[name] = value;
            }
        }

        var process = new Process { StartInfo = startInfo };
        try
        {
            return Task.FromResult(new TestProcess(process));
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Completes when a captured line (already captured or arriving later) contains <paramref name="substring"/>
    /// (ordinal). Throws <see cref="TimeoutException"/> after <paramref name="timeout"/>, or
    /// <see cref="InvalidOperationException"/> if the process exits first; both messages include the output.
    /// </summary>
    public async Task WaitForOutputAsync(string substring, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(substring);
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool exited;
        lock (_gate)
        {
            if (_lines.Exists(line => line.Contains(substring, StringComparison.Ordinal)))
            {
                return;
            }

            exited = _hasExited;
            if (!exited)
            {
                _waiters.Add((substring, signal));
            }
        }

        if (exited)
        {
            throw ExitedBeforeOutput(substring);
        }

        try
        {
            await signal.Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            RemoveWaiter(signal);
            throw new TimeoutException($"No output containing '{substring}' from process {Id} within {timeout}. Output so far:\n{Output}");
        }
        catch (OperationCanceledException)
        {
            RemoveWaiter(signal);
            throw;
        }
    }

    /// <summary>
    /// Sends SIGTERM and waits up to <paramref name="timeout"/> for exit; if the process is still running,
    /// kills the whole tree (SIGKILL). Returns the exit code.
    /// </summary>
    public async Task<int> StopAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (!HasExited)
        {
            SendTerminate();
            try
            {
                await _exited.WaitAsync(timeout, cancellationToken);
            }
            catch (TimeoutException)
            {
                KillTree();
                await _exited.WaitAsync(KillWaitTimeout, cancellationToken);
            }
        }

        return _process.ExitCode;
    }

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for the process to exit on its own and returns its exit code;
    /// throws <see cref="TimeoutException"/> (with the output so far) if it is still running.
    /// </summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        try
        {
            await _exited.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{this} did not exit within {timeout}. Output:\n{Output}", ex);
        }

        return _process.ExitCode;
    }

    /// <summary>Kills the process tree if still running and releases the process handle.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (!HasExited)
        {
            KillTree();
            try
            {
                await _exited.WaitAsync(KillWaitTimeout);
            }
            catch (TimeoutException)
            {
                // Output pipes held open by an escaped grandchild; give up waiting.
            }
        }

        _process.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"{_process.StartInfo.FileName} (pid {Id})";

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        List<TaskCompletionSource>? matched = null;
        lock (_gate)
        {
            _lines.Add(line);
            if (_output.Length > 0)
            {
                _output.Append('\n');
            }

            _output.Append(line);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (line.Contains(_waiters[i].Substring, StringComparison.Ordinal))
                {
                    (matched ??= []).Add(_waiters[i].Signal);
                    _waiters.RemoveAt(i);
                }
            }
        }

        matched?.ForEach(signal => signal.TrySetResult());
    }

    private async Task WatchExitAsync()
    {
        // Also waits until redirected stdout/stderr reach EOF, so all output is captured first.
        await _process.WaitForExitAsync();
        List<(string Substring, TaskCompletionSource Signal)> pending;
        lock (_gate)
        {
            _hasExited = true;
            pending = [.. _waiters];
            _waiters.Clear();
        }

        foreach (var (substring, signal) in pending)
        {
            signal.TrySetException(ExitedBeforeOutput(substring));
        }
    }

    private InvalidOperationException ExitedBeforeOutput(string substring) =>
        new($"Process {Id} exited with code {_process.ExitCode} before output containing '{substring}'. Output:\n{Output}");

    private void RemoveWaiter(TaskCompletionSource signal)
    {
        lock (_gate)
        {
            _waiters.RemoveAll(waiter => waiter.Signal == signal);
        }
    }

    private void SendTerminate()
    {
        if (OperatingSystem.IsWindows())
        {
            KillTree();
            return;
        }

        // Failure (ESRCH) means it is already gone; the exit watcher will observe that.
        _ = NativeMethods.Kill(Id, NativeMethods.SigTerm);
    }

    private void KillTree()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // Already exited.
        }
    }
}
