using System.Net.Sockets;
using System.Security.Authentication;

namespace Linnet.Proxy.Tcp;

/// <summary>The <c>proxy_error_total</c> reasons of a relayed connection that the proxy resets once it is
/// established: every such reset is counted under one of them.</summary>
internal static class RelayFailure
{
    /// <summary>One side reset the connection (or its socket failed); the reset was passed on to the other.</summary>
    public const string PeerReset = "peer_reset";

    /// <summary>The TLS layer failed mid-stream (a bad record, an alert); both sides were reset.</summary>
    public const string TlsError = "tls_error";

    /// <summary>The relay failed in some other way; both sides were reset.</summary>
    public const string Failed = "relay_failed";

    /// <summary>The proxy stopped and the connection outlived the drain timeout.</summary>
    public const string DrainTimeout = "drain_timeout";

    /// <summary>The reason for a pump that ended with <paramref name="failure"/>.</summary>
    public static string Reason(Exception? failure)
    {
        for (var ex = failure; ex is not null; ex = ex.InnerException)
        {
            switch (ex)
            {
                case AggregateException { InnerExceptions.Count: 1 } aggregate:
                    return Reason(aggregate.InnerExceptions[0]);
                case SocketException or ObjectDisposedException:
                    return PeerReset;
                case AuthenticationException or System.Security.Cryptography.CryptographicException:
                    return TlsError;
            }
        }

        return failure is IOException ? PeerReset : Failed;
    }
}
