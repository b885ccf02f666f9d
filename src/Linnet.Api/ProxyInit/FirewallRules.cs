using System.Globalization;

namespace Linnet.Api.ProxyInit;

/// <summary>The iptables rules of Linkerd's proxy-init (linkerd2-proxy-init <c>iptables.go</c>), the one definition
/// that <c>linnet-proxy init</c> installs in a Kubernetes pod and universal mode installs in its isolated pods. In
/// the <c>nat</c> table: chain <c>PROXY_INIT_REDIRECT</c> (from <c>PREROUTING</c>) returns the ignored inbound
/// ports and source subnets and redirects the rest of TCP to the inbound port; chain <c>PROXY_INIT_OUTPUT</c> (from
/// <c>OUTPUT</c>) returns the proxy's uid, anything leaving over <c>lo</c> and the ignored outbound ports, and
/// redirects the rest of TCP to the outbound port.</summary>
public static class FirewallRules
{
    /// <summary>The inbound chain.</summary>
    public const string RedirectChain = "PROXY_INIT_REDIRECT";

    /// <summary>The outbound chain.</summary>
    public const string OutputChain = "PROXY_INIT_OUTPUT";

    /// <summary>Port references one multiport match takes (a range counts two), as iptables limits it.</summary>
    public const int MultiportLimit = 15;

    /// <summary>The iptables invocations, in order, each without the program's name: they start with
    /// <c>-w -t nat</c> (wait for the xtables lock rather than fail beside another writer).</summary>
    public static IReadOnlyList<IReadOnlyList<string>> Commands(FirewallConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        Validate(configuration);
        var commands = new List<IReadOnlyList<string>>();

        // Inbound.
        commands.Add(Nat("-N", RedirectChain));
        AddIgnoredPorts(commands, RedirectChain, configuration.InboundPortsToIgnore);
        foreach (var subnet in configuration.SubnetsToIgnore)
        {
            commands.Add(Nat("-A", RedirectChain, "-p", "all", "-s", subnet.ToString(), "-j", "RETURN", "-m", "comment", "--comment", Comment($"ignore-subnet-{subnet}")));
        }

        var inbound = Port(configuration.InboundProxyPort);
        if (configuration.PortsToRedirect.Count == 0)
        {
            commands.Add(Nat("-A", RedirectChain, "-p", "tcp", "-j", "REDIRECT", "--to-port", inbound, "-m", "comment", "--comment", Comment("redirect-all-incoming-to-proxy-port")));
        }
        else
        {
            foreach (var port in configuration.PortsToRedirect)
            {
                commands.Add(Nat("-A", RedirectChain, "-p", "tcp", "--destination-port", Port(port), "-j", "REDIRECT", "--to-port", inbound, "-m", "comment", "--comment", Comment($"redirect-port-{Port(port)}-to-proxy-port")));
            }
        }

        commands.Add(Nat("-A", "PREROUTING", "-j", RedirectChain, "-m", "comment", "--comment", Comment("install-proxy-init-prerouting")));

        // Outbound.
        commands.Add(Nat("-N", OutputChain));
        if (configuration.ProxyUid is > 0 and var uid)
        {
            commands.Add(Nat("-A", OutputChain, "-m", "owner", "--uid-owner", uid.ToString(CultureInfo.InvariantCulture), "-j", "RETURN", "-m", "comment", "--comment", Comment("ignore-proxy-user-id")));
        }

        commands.Add(Nat("-A", OutputChain, "-o", "lo", "-j", "RETURN", "-m", "comment", "--comment", Comment("ignore-loopback")));
        AddIgnoredPorts(commands, OutputChain, configuration.OutboundPortsToIgnore);
        commands.Add(Nat("-A", OutputChain, "-p", "tcp", "-j", "REDIRECT", "--to-port", Port(configuration.OutboundProxyPort), "-m", "comment", "--comment", Comment("redirect-all-outgoing-to-proxy-port")));
        commands.Add(Nat("-A", "OUTPUT", "-j", OutputChain, "-m", "comment", "--comment", Comment("install-proxy-init-output")));
        return commands;
    }

    /// <summary>What <paramref name="natRules"/> (what <c>iptables-save -t nat</c> prints) holds of proxy-init's
    /// rules. Complete when the jump from <c>OUTPUT</c>, the last rule added, is there: a second run (an init
    /// container restarted) then changes nothing, as Linkerd's. Partial when a run stopped half-way: its
    /// leftovers are removed (<see cref="RemovalCommands"/>) before the rules are installed again.</summary>
    public static FirewallState Inspect(string natRules)
    {
        ArgumentNullException.ThrowIfNull(natRules);
        var any = false;
        var complete = false;
        foreach (var line in natRules.Split('\n'))
        {
            var trimmed = line.Trim();
            if (trimmed.StartsWith($":{RedirectChain} ", StringComparison.Ordinal) || trimmed.StartsWith($":{OutputChain} ", StringComparison.Ordinal)
                || trimmed.Contains($"-j {RedirectChain}", StringComparison.Ordinal) || trimmed.Contains($"-j {OutputChain}", StringComparison.Ordinal))
            {
                any = true;
            }

            if (trimmed.StartsWith("-A OUTPUT ", StringComparison.Ordinal) && trimmed.EndsWith($"-j {OutputChain}", StringComparison.Ordinal))
            {
                complete = true;
            }
        }

        return complete ? FirewallState.Complete : any ? FirewallState.Partial : FirewallState.None;
    }

    /// <summary>Removes whatever of proxy-init's rules and chains exist (each command may fail for what is absent):
    /// the jumps to the chains first, then the chains' rules, then the chains.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> RemovalCommands() =>
    [
        Nat("-D", "PREROUTING", "-j", RedirectChain, "-m", "comment", "--comment", Comment("install-proxy-init-prerouting")),
        Nat("-D", "OUTPUT", "-j", OutputChain, "-m", "comment", "--comment", Comment("install-proxy-init-output")),
        Nat("-F", RedirectChain),
        Nat("-F", OutputChain),
        Nat("-X", RedirectChain),
        Nat("-X", OutputChain),
    ];

    private static void Validate(FirewallConfiguration configuration)
    {
        foreach (var (name, port) in new[] { ("inbound proxy port", configuration.InboundProxyPort), ("outbound proxy port", configuration.OutboundProxyPort) }
            .Concat(configuration.PortsToRedirect.Select(p => ("port to redirect", p))))
        {
            if (port is < 1 or > 65535)
            {
                throw new ArgumentException($"the {name} {port} is not a TCP port 1..65535", nameof(configuration));
            }
        }

        if (configuration.SubnetsToIgnore.Any(s => s.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork))
        {
            throw new ArgumentException("subnets to ignore must be IPv4: these rules are iptables' (IPv4) only", nameof(configuration));
        }
    }

    // One RETURN per group of at most MultiportLimit port references, as Linkerd splits them.
    private static void AddIgnoredPorts(List<IReadOnlyList<string>> commands, string chain, IReadOnlyList<PortRange> ranges)
    {
        var group = new List<string>();
        var references = 0;
        void Flush()
        {
            if (group.Count > 0)
            {
                var destinations = string.Join(",", group);
                commands.Add(Nat("-A", chain, "-p", "tcp", "--match", "multiport", "--dports", destinations, "-j", "RETURN", "-m", "comment", "--comment", Comment($"ignore-port-{destinations}")));
                group.Clear();
                references = 0;
            }
        }

        foreach (var range in ranges)
        {
            var cost = range.Low == range.High ? 1 : 2;
            if (references + cost > MultiportLimit)
            {
                Flush();
            }

            group.Add(range.ToIptables());
            references += cost;
        }

        Flush();
    }

    private static string[] Nat(params string[] rule) => ["-w", "-t", "nat", .. rule];

    private static string Comment(string text) => $"proxy-init/{text}";

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
