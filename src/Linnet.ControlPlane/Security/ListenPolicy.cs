using System.Net;

namespace Linnet.ControlPlane.Security;

/// <summary>Where the control plane may listen. The HTTP API is plaintext, so it binds to loopback only; the gRPC
/// APIs are served over TLS and may bind anywhere an operator names.</summary>
internal static class ListenPolicy
{
    /// <exception cref="ControlPlaneConfigurationException">A listener would expose plaintext beyond this host.</exception>
    public static void Check(ControlPlaneOptions options)
    {
        if (!IPAddress.IsLoopback(options.HttpListen.Address))
        {
            throw new ControlPlaneConfigurationException(
                $"the HTTP API would listen on {options.HttpListen}, which is not a loopback address; it is served without TLS, so it listens on loopback only (e.g. --api http://127.0.0.1:{options.HttpListen.Port}); reach it from another host through an SSH tunnel");
        }

        if (options.TokenMaxLifetime < TimeSpan.FromSeconds(1))
        {
            throw new ControlPlaneConfigurationException("the longest token lifetime must be at least 1s");
        }
    }
}
