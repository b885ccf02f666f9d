using System.ComponentModel;
using System.Globalization;
using Linnet.Api.ProxyInit;

namespace Linnet.Proxy.ProxyInit;

/// <summary>Installs <see cref="FirewallRules"/> with the iptables programs, once: rules already there (an init
/// container run again) are left as they are.</summary>
internal sealed class FirewallInstaller
{
    // CAP_NET_ADMIN's bit in /proc/self/status' CapEff (linux/capability.h).
    private const int CapNetAdmin = 12;

    private readonly string _iptables;
    private readonly string _iptablesSave;
    private readonly TextWriter _out;
    private readonly TextWriter _error;

    public FirewallInstaller(string iptables, string iptablesSave, TextWriter output, TextWriter error)
    {
        _iptables = iptables;
        _iptablesSave = iptablesSave;
        _out = output;
        _error = error;
    }

    /// <summary>Prints what <see cref="InstallAsync"/> would run.</summary>
    public int Simulate(FirewallConfiguration configuration)
    {
        foreach (var command in FirewallRules.Commands(configuration))
        {
            _out.WriteLine($"{_iptables} {string.Join(' ', command)}");
        }

        return 0;
    }

    /// <summary>Installs the rules unless they are there; 0 when they are in place, otherwise
    /// <see cref="ProxyInitCommand.Failed"/> with the reason on standard error.</summary>
    public async Task<int> InstallAsync(FirewallConfiguration configuration, CancellationToken cancellationToken)
    {
        if (!HasNetAdmin(out var why))
        {
            await _error.WriteLineAsync($"linnet-proxy init: {why}: changing the network namespace's iptables rules needs the CAP_NET_ADMIN capability "
                + "(the injected linnet-init container runs as root with NET_ADMIN and NET_RAW added; a pod security policy that drops them stops it)");
            return ProxyInitCommand.Failed;
        }

        try
        {
            var (saveCode, current) = await RunAsync(_iptablesSave, ["-t", "nat"], cancellationToken);
            if (saveCode != 0)
            {
                await _error.WriteLineAsync($"linnet-proxy init: {_iptablesSave} -t nat failed ({saveCode}): {current.Trim()}");
                return ProxyInitCommand.Failed;
            }

            switch (FirewallRules.Inspect(current))
            {
                case FirewallState.Complete:
                    await _out.WriteLineAsync($"linnet-proxy init: {FirewallRules.RedirectChain} and {FirewallRules.OutputChain} are already installed; nothing changed");
                    return 0;
                case FirewallState.Partial:
                    await _out.WriteLineAsync("linnet-proxy init: removing the rules an interrupted run left");
                    foreach (var command in FirewallRules.RemovalCommands())
                    {
                        // Each may find nothing to remove.
                        await RunAsync(_iptables, command, cancellationToken);
                    }

                    break;
                case FirewallState.None:
                    break;
            }

            foreach (var command in FirewallRules.Commands(configuration))
            {
                await _out.WriteLineAsync($"{_iptables} {string.Join(' ', command)}");
                var (code, output) = await RunAsync(_iptables, command, cancellationToken);
                if (code != 0)
                {
                    await _error.WriteLineAsync($"linnet-proxy init: '{_iptables} {string.Join(' ', command)}' failed ({code}): {output.Trim()}");
                    return ProxyInitCommand.Failed;
                }
            }

            var (_, after) = await RunAsync(_iptablesSave, ["-t", "nat"], cancellationToken);
            await _out.WriteAsync(after);
            return 0;
        }
        catch (Win32Exception ex)
        {
            await _error.WriteLineAsync($"linnet-proxy init: cannot run the iptables programs ({_iptables}, {_iptablesSave}): {ex.Message}");
            return ProxyInitCommand.Failed;
        }
        catch (TimeoutException ex)
        {
            await _error.WriteLineAsync($"linnet-proxy init: {ex.Message}");
            return ProxyInitCommand.Failed;
        }
    }

    // The effective capability set decides, not the uid: a container can be root without NET_ADMIN, and a
    // non-root process can hold it.
    private static bool HasNetAdmin(out string why)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines("/proc/self/status");
        }
        catch (IOException ex)
        {
            // Not Linux's /proc: let iptables say what is wrong.
            why = ex.Message;
            return true;
        }

        var effective = lines.FirstOrDefault(l => l.StartsWith("CapEff:", StringComparison.Ordinal));
        if (effective is null || !ulong.TryParse(effective["CapEff:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var mask))
        {
            why = "";
            return true;
        }

        why = $"this process (uid {UidText(lines)}) lacks CAP_NET_ADMIN";
        return (mask & (1UL << CapNetAdmin)) != 0;
    }

    private static string UidText(string[] status)
    {
        foreach (var line in status)
        {
            if (line.StartsWith("Uid:", StringComparison.Ordinal))
            {
                return line["Uid:".Length..].Trim().Split('\t', ' ')[0];
            }
        }

        return "?";
    }

    private static Task<(int ExitCode, string Output)> RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        HostProgram.RunAsync([program, .. arguments], cancellationToken);
}
