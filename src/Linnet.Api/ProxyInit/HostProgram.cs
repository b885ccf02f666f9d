using System.Diagnostics;

namespace Linnet.Api.ProxyInit;

/// <summary>Runs one of the host's own network tools (<c>ip</c>, <c>iptables</c>, <c>iptables-save</c>) and returns its
/// exit code with its stdout and stderr together: the one runner of proxy-init, universal mode's pod networks and the
/// tests' network namespaces. There is no library for netlink namespaces and iptables smaller than calling them, and
/// their errors are the ones admins know. Standard input is closed; a program still running after the timeout is
/// killed with its children.</summary>
public static class HostProgram
{
    /// <summary>How long a tool may run unless the caller says otherwise.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Runs <paramref name="command"/> (program, then arguments).</summary>
    /// <exception cref="System.ComponentModel.Win32Exception">The program cannot be started (not installed).</exception>
    /// <exception cref="TimeoutException">It ran longer than <paramref name="timeout"/> (it was killed).</exception>
    public static async Task<(int ExitCode, string Output)> RunAsync(IReadOnlyList<string> command, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        using var process = Start(command);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout ?? DefaultTimeout);
        var stdout = process.StandardOutput.ReadToEndAsync(limit.Token);
        var stderr = process.StandardError.ReadToEndAsync(limit.Token);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"{string.Join(' ', command)} did not finish within {(timeout ?? DefaultTimeout).TotalSeconds:0} s");
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>Runs <paramref name="command"/> and waits on this thread (for callers that are not asynchronous).</summary>
    /// <exception cref="System.ComponentModel.Win32Exception">The program cannot be started (not installed).</exception>
    /// <exception cref="TimeoutException">It ran longer than <paramref name="timeout"/> (it was killed).</exception>
    public static (int ExitCode, string Output) Run(IReadOnlyList<string> command, TimeSpan? timeout = null)
    {
        using var process = Start(command);
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(timeout ?? DefaultTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{string.Join(' ', command)} did not finish within {(timeout ?? DefaultTimeout).TotalSeconds:0} s");
        }

        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.GetAwaiter().GetResult());
    }

    private static Process Start(IReadOnlyList<string> command)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentOutOfRangeException.ThrowIfZero(command.Count);
        var info = new ProcessStartInfo(command[0])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        for (var i = 1; i < command.Count; i++)
        {
            info.ArgumentList.Add(command[i]);
        }

        var process = Process.Start(info) ?? throw new System.ComponentModel.Win32Exception($"cannot start {command[0]}");
        process.StandardInput.Close();
        return process;
    }
}
