using System.ComponentModel;
using System.Diagnostics;

namespace Linnet.Platform.Universal.Isolation;

/// <summary>Runs the host's own network tools (<c>ip</c>, <c>iptables</c>): there is no library for netlink
/// namespaces and iptables that would be smaller than calling them, and their errors are the ones admins know.</summary>
internal static class HostCommand
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Runs <paramref name="arguments"/>; its exit code and its stdout and stderr together.</summary>
    public static (int ExitCode, string Output) Run(params string[] arguments)
    {
        var info = new ProcessStartInfo(arguments[0])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in arguments.AsSpan(1))
        {
            info.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(info) ?? throw new IsolationException($"cannot run {arguments[0]}");
            process.StandardInput.Close();
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                throw new IsolationException($"{string.Join(' ', arguments)} did not finish within {Timeout.TotalSeconds:0} s");
            }

            return (process.ExitCode, stdout + stderr.GetAwaiter().GetResult());
        }
        catch (Win32Exception ex)
        {
            throw new IsolationException($"cannot run {arguments[0]}: {ex.Message} (install iproute2 and iptables)", ex);
        }
    }

    /// <summary>Runs <paramref name="arguments"/> and returns its output; throws with that output when it fails.</summary>
    public static string Check(params string[] arguments)
    {
        var (code, output) = Run(arguments);
        if (code != 0)
        {
            throw new IsolationException($"{string.Join(' ', arguments)} failed ({code}): {output.Trim()}");
        }

        return output;
    }
}
