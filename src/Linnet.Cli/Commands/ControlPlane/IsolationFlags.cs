using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Linnet.Platform.Universal.Isolation;

namespace Linnet.Cli.Commands.ControlPlane;

/// <summary><c>--isolation</c>, <c>--pod-network</c> and <c>--uid-base</c>: whether instances run as isolated pods
/// (<c>docs/universal-mode.md</c>); <c>linnet up</c> forwards them to <c>linnet control-plane</c>.</summary>
internal sealed class IsolationFlags
{
    public Option<string> Mode { get; } = new("--isolation")
    {
        Description = "auto: isolate instances (own network namespace and uid) when running as root; on: require it; off: loopback addresses only.",
        DefaultValueFactory = _ => "auto",
    };

    public Option<string?> Network { get; } = new("--pod-network") { Description = $"The range isolated instances' addresses come from (default: a free /{IsolationOptions.DefaultPrefixLength} of {IsolationOptions.DefaultNetwork})." };

    public Option<int?> UidBase { get; } = new("--uid-base") { Description = "The first uid given to isolated workloads (two per service account: app, proxy)." };

    public IEnumerable<Option> All => [Mode, Network, UidBase];

    /// <summary>The isolation to run with (null: loopback mode) and, when instances are not isolated, why not;
    /// false with the reason when a flag is invalid or <c>on</c> cannot be honoured.</summary>
    public bool TryParse(ParseResult parse, out IsolationOptions? isolation, out string? notIsolated, out string error)
    {
        isolation = null;
        notIsolated = null;
        error = "";
        var options = new IsolationOptions();
        if (parse.GetValue(Network) is { } text)
        {
            if (!IPNetwork.TryParse(text, out var network) || network.BaseAddress.AddressFamily != AddressFamily.InterNetwork || network.PrefixLength is < 8 or > 28)
            {
                error = $"--pod-network: '{text}' is not an IPv4 range from /8 to /28 (such as 10.253.0.0/16)";
                return false;
            }

            options = options with { Network = network };
        }

        if (parse.GetValue(UidBase) is { } uidBase)
        {
            if (uidBase is < 1000 or > 2_000_000_000)
            {
                error = string.Create(CultureInfo.InvariantCulture, $"--uid-base: {uidBase} is outside 1000..2000000000");
                return false;
            }

            options = options with { UidBase = uidBase };
        }

        // Proxies run as workloads' uids from beside this program: they must be able to reach it.
        var unavailable = IsolationSupport.Unavailable()
            ?? (IsolationSupport.UnreachableByWorkloads(AppContext.BaseDirectory) is { } closed ? $"linnet is installed under {closed}, which workloads' uids cannot enter" : null);
        switch (parse.GetValue(Mode))
        {
            case "off":
                notIsolated = "--isolation off";
                return true;
            case "auto" or "on" when unavailable is { } reason:
                if (parse.GetValue(Mode) == "on")
                {
                    error = $"--isolation on: {reason}";
                    return false;
                }

                notIsolated = reason;
                return true;
            case "auto" or "on":
                isolation = options;
                return true;
            default:
                error = $"--isolation: '{parse.GetValue(Mode)}' is not one of: auto, on, off";
                return false;
        }
    }

    /// <summary>The flags as given, for <c>linnet up</c> to pass on.</summary>
    public IEnumerable<string> Forward(ParseResult parse)
    {
        yield return "--isolation";
        yield return parse.GetValue(Mode)!;
        if (parse.GetValue(Network) is { } network)
        {
            yield return "--pod-network";
            yield return network;
        }

        if (parse.GetValue(UidBase) is { } uidBase)
        {
            yield return "--uid-base";
            yield return uidBase.ToString(CultureInfo.InvariantCulture);
        }
    }
}
