using Linnet.Proxy.Configuration;

namespace Linnet.Proxy.Listening.Stages;

/// <summary>Which app port a transport header may name. Without this, a client that the app's policy admits
/// could name one of the proxy's own listeners (its outbound 4140 above all) and have the proxy connect to it
/// from the app's side: its bytes would leave as this workload's identity, a pivot to any service this workload
/// may call. The proxy's own ports are always refused; when the workload declares its ports, only those are
/// allowed (Linkerd's inbound likewise refuses connections that target the proxy itself).</summary>
internal static class TransportTarget
{
    /// <summary>Null when <paramref name="port"/> may be relayed to, else why not (for the log).</summary>
    public static string? Refusal(int port, BootstrapConfig config, ProxyPorts own)
    {
        if (own.Role(port) is { } role)
        {
            return role;
        }

        if (config.AppPorts.Count > 0 && !config.AppPorts.Contains(port))
        {
            return "not a port the workload declares";
        }

        return null;
    }
}
