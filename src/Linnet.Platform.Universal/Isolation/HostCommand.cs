using System.ComponentModel;
using Linnet.Api.ProxyInit;

namespace Linnet.Platform.Universal.Isolation;

/// <summary>Runs the host's own network tools (<c>ip</c>, <c>iptables</c>) through <see cref="HostProgram"/>, with
/// universal mode's errors.</summary>
internal static class HostCommand
{
    /// <summary>Runs <paramref name="arguments"/>; its exit code and its stdout and stderr together.</summary>
    public static (int ExitCode, string Output) Run(params string[] arguments)
    {
        try
        {
            return HostProgram.Run(arguments);
        }
        catch (TimeoutException ex)
        {
            throw new IsolationException(ex.Message, ex);
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
