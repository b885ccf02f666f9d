using System.CommandLine;
using System.Net;
using Linnet.Api.ProxyInit;

namespace Linnet.Proxy.ProxyInit;

/// <summary><c>linnet-proxy init</c>: Linkerd proxy-init's command line (the same flag names, so the injected init
/// container reads as Linkerd's) installing <see cref="FirewallRules"/> in the current network namespace.</summary>
internal static class ProxyInitCommand
{
    /// <summary>Exit code for arguments that are not valid (nothing changed).</summary>
    public const int InvalidArguments = 2;

    /// <summary>Exit code when the rules could not be installed.</summary>
    public const int Failed = 1;

    /// <summary>The <c>init</c> subcommand.</summary>
    public static Command Create()
    {
        var options = new Options();
        var command = options.Command();
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (configuration, errors) = options.Read(parse);
            if (configuration is null)
            {
                foreach (var error in errors)
                {
                    await Console.Error.WriteLineAsync($"linnet-proxy init: {error}");
                }

                return InvalidArguments;
            }

            var installer = new FirewallInstaller(parse.GetValue(options.BinPath)!, parse.GetValue(options.SaveBinPath)!, Console.Out, Console.Error);
            return parse.GetValue(options.Simulate)
                ? installer.Simulate(configuration)
                : await installer.InstallAsync(configuration, cancellationToken);
        });
        return command;
    }

    /// <summary>The rules <c>linnet-proxy init</c> would install with <paramref name="arguments"/> (those after
    /// <c>init</c>), or what is wrong with them.</summary>
    public static (FirewallConfiguration? Configuration, IReadOnlyList<string> Errors) Parse(IReadOnlyList<string> arguments)
    {
        var options = new Options();
        var parse = options.Command().Parse([.. arguments]);
        if (parse.Errors.Count > 0)
        {
            return (null, [.. parse.Errors.Select(e => e.Message)]);
        }

        return options.Read(parse);
    }

    private sealed class Options
    {
        public Option<int> Incoming { get; } = new("--incoming-proxy-port", "-p") { Description = "Port to redirect incoming traffic to (the proxy's inbound port).", Required = true };

        public Option<int> Outgoing { get; } = new("--outgoing-proxy-port", "-o") { Description = "Port to redirect outgoing traffic to (the proxy's outbound port).", Required = true };

        public Option<int> Uid { get; } = new("--proxy-uid", "-u") { Description = "The proxy's uid: its own connections are not redirected.", DefaultValueFactory = _ => -1 };

        public Option<string[]> Redirect { get; } = new("--ports-to-redirect", "-r") { Description = "Only these inbound ports are redirected (default: all).", AllowMultipleArgumentsPerToken = true };

        public Option<string[]> InboundIgnore { get; } = new("--inbound-ports-to-ignore") { Description = "Inbound ports and ranges (low-high) not redirected.", AllowMultipleArgumentsPerToken = true };

        public Option<string[]> OutboundIgnore { get; } = new("--outbound-ports-to-ignore") { Description = "Outbound ports and ranges (low-high) not redirected.", AllowMultipleArgumentsPerToken = true };

        public Option<string[]> Subnets { get; } = new("--subnets-to-ignore") { Description = "Source subnets (CIDR) whose inbound connections are not redirected.", AllowMultipleArgumentsPerToken = true };

        public Option<bool> Simulate { get; } = new("--simulate") { Description = "Print the iptables commands without running them." };

        // proxy-init's --ipv6 (default true there) also installs the rules with ip6tables; linnet-proxy init installs
        // IPv4 rules only, so it takes --ipv6=false (what Linkerd's chart passes: disableIPv6) and refuses true.
        public Option<bool> Ipv6 { get; } = new("--ipv6") { Description = "IPv6 rules too (proxy-init's flag): only false is accepted; linnet-proxy init installs IPv4 rules." };

        public Option<string> BinPath { get; } = new("--firewall-bin-path") { Description = "The iptables program.", DefaultValueFactory = _ => "iptables" };

        public Option<string> SaveBinPath { get; } = new("--firewall-save-bin-path") { Description = "The iptables-save program.", DefaultValueFactory = _ => "iptables-save" };

        public Command Command() => new("init", "Install Linkerd proxy-init's iptables rules in this network namespace: inbound TCP to the proxy's inbound port, outbound TCP to its outbound port (needs CAP_NET_ADMIN).")
        {
            Incoming, Outgoing, Uid, Redirect, InboundIgnore, OutboundIgnore, Subnets, Simulate, Ipv6, BinPath, SaveBinPath,
        };

        public (FirewallConfiguration? Configuration, IReadOnlyList<string> Errors) Read(ParseResult parse)
        {
            var errors = new List<string>();
            var configuration = new FirewallConfiguration
            {
                InboundProxyPort = Port(parse.GetValue(Incoming), "--incoming-proxy-port", errors),
                OutboundProxyPort = Port(parse.GetValue(Outgoing), "--outgoing-proxy-port", errors),
                ProxyUid = parse.GetValue(Uid),
                PortsToRedirect = [.. Ranges(parse.GetValue(Redirect), "--ports-to-redirect", errors).SelectMany(r => Enumerable.Range(r.Low, r.Count))],
                InboundPortsToIgnore = Ranges(parse.GetValue(InboundIgnore), "--inbound-ports-to-ignore", errors),
                OutboundPortsToIgnore = Ranges(parse.GetValue(OutboundIgnore), "--outbound-ports-to-ignore", errors),
                SubnetsToIgnore = ParseSubnets(parse.GetValue(Subnets), errors),
            };
            if (parse.GetValue(Ipv6))
            {
                errors.Add("--ipv6: true is not supported: linnet-proxy init installs IPv4 rules only (pass --ipv6=false, as Linkerd's chart does)");
            }

            if (configuration.PortsToRedirect.Count > 1024)
            {
                errors.Add("--ports-to-redirect: names more than 1024 ports");
            }

            return errors.Count > 0 ? (null, errors) : (configuration, errors);
        }
    }

    private static int Port(int value, string option, List<string> errors)
    {
        if (value is < 1 or > 65535)
        {
            errors.Add($"{option}: {value} is not a TCP port 1..65535");
            return 1;
        }

        return value;
    }

    // Linkerd's flags are string slices: repeated, or comma-separated, or both.
    private static List<PortRange> Ranges(string[]? values, string option, List<string> errors)
    {
        var ranges = new List<PortRange>();
        foreach (var value in values ?? [])
        {
            if (value.Trim().Length == 0)
            {
                continue;
            }

            if (PortRange.ParseList(value, out var error) is { } parsed)
            {
                ranges.AddRange(parsed);
            }
            else
            {
                errors.Add($"{option}: {error}");
            }
        }

        return ranges;
    }

    private static List<IPNetwork> ParseSubnets(string[]? values, List<string> errors)
    {
        var subnets = new List<IPNetwork>();
        foreach (var value in values ?? [])
        {
            if (value.Trim().Length == 0)
            {
                continue;
            }

            if (SubnetList.Parse(value, out var error) is { } parsed)
            {
                subnets.AddRange(parsed);
            }
            else
            {
                errors.Add($"--subnets-to-ignore: {error}");
            }
        }

        return subnets;
    }
}
