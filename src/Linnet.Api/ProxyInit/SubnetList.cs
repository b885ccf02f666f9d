using System.Net;
using System.Net.Sockets;

namespace Linnet.Api.ProxyInit;

/// <summary>The one reader of proxy-init's subnet lists (<c>--subnets-to-ignore</c>, Linkerd's
/// <c>config.linkerd.io/skip-subnets</c>): comma-separated IPv4 CIDR ranges.</summary>
public static class SubnetList
{
    /// <summary>The ranges of <paramref name="value"/>; on failure null, and <paramref name="error"/> names the item
    /// and why.</summary>
    public static IReadOnlyList<IPNetwork>? Parse(string value, out string? error)
    {
        ArgumentNullException.ThrowIfNull(value);
        var subnets = new List<IPNetwork>();
        foreach (var item in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!item.Contains('/', StringComparison.Ordinal) || !IPNetwork.TryParse(item, out var network))
            {
                error = $"'{item}' is not a CIDR range with its base address (such as 10.0.0.0/8)";
                return null;
            }

            if (network.BaseAddress.AddressFamily != AddressFamily.InterNetwork)
            {
                error = $"'{item}' is IPv6: proxy-init's rules are iptables' (IPv4) only";
                return null;
            }

            subnets.Add(network);
        }

        if (subnets.Count == 0)
        {
            error = "lists no subnet";
            return null;
        }

        error = null;
        return subnets;
    }
}
