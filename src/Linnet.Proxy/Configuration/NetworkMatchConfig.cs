using System.Net;

namespace Linnet.Proxy.Configuration;

/// <summary>A source network and the networks inside it that are excluded.</summary>
internal sealed record NetworkMatchConfig(IPNetwork Network, IReadOnlyList<IPNetwork> Except)
{
    /// <summary>True when <paramref name="address"/> is in the network and in no exception.</summary>
    public bool Contains(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (!Network.Contains(address))
        {
            return false;
        }

        foreach (var except in Except)
        {
            if (except.Contains(address))
            {
                return false;
            }
        }

        return true;
    }
}
