using System.Collections.Concurrent;
using System.Net;
using Linnet.Proxy.Configuration;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Linnet.Proxy.Listening;

/// <summary>The ports the proxy itself listens on, as bound (a configured port 0 resolves here): inbound,
/// outbound, every service port and admin. Mesh traffic must never be relayed to one of them.</summary>
internal sealed class ProxyPorts(BootstrapConfig config, IServer server)
{
    private readonly ConcurrentDictionary<int, byte> _bound = new();
    private int _admin;

    /// <summary>Records a listener's bound port.</summary>
    public void Add(int port) => _bound[port] = 0;

    /// <summary>Forgets a closed listener's port.</summary>
    public void Remove(int port) => _bound.TryRemove(port, out _);

    /// <summary>The role of <paramref name="port"/> when the proxy listens on it, else null.</summary>
    public string? Role(int port)
    {
        if (port == config.InboundListen.Port)
        {
            return "the proxy's inbound port";
        }

        if (port == config.OutboundListen.Port)
        {
            return "the proxy's outbound port";
        }

        if (port == config.AdminListen.Port || port == AdminPort())
        {
            return "the proxy's admin port";
        }

        return _bound.ContainsKey(port) ? "one of the proxy's own listeners" : null;
    }

    private int AdminPort()
    {
        if (_admin != 0)
        {
            return _admin;
        }

        // Kestrel serves admin; its bound address is known once the server has started.
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses;
        foreach (var address in addresses ?? [])
        {
            if (Uri.TryCreate(address, UriKind.Absolute, out var uri) && IPAddress.TryParse(uri.Host.Trim('[', ']'), out _))
            {
                _admin = uri.Port;
                return _admin;
            }
        }

        return 0;
    }
}
