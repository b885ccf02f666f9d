using Microsoft.AspNetCore.Http;

namespace Linnet.Proxy.Tls;

/// <summary>HTTP/1.x requests cross the mesh inside HTTP/2 (one multiplexed connection between two proxies)
/// and must reach the app as HTTP/1.x again. The client proxy marks them with <c>l5d-orig-proto</c>
/// (Linkerd's header and values); the server proxy forwards marked requests as HTTP/1.1 and removes the
/// mark, so the app never sees it.</summary>
internal static class OrigProto
{
    public const string Header = "l5d-orig-proto";

    /// <summary>Outbound, before forwarding over the mesh: marks an HTTP/1.x request with its version.</summary>
    public static void Mark(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (HttpProtocol.IsHttp11(request.Protocol))
        {
            request.Headers[Header] = "HTTP/1.1";
        }
        else if (HttpProtocol.IsHttp10(request.Protocol))
        {
            request.Headers[Header] = "HTTP/1.0";
        }
        else
        {
            // An HTTP/2 request has no original protocol to restore; a mark from the app is not ours to pass on.
            request.Headers.Remove(Header);
        }
    }

    /// <summary>Inbound: whether the request is an HTTP/1.x request that crossed the mesh in HTTP/2, to be
    /// forwarded to the app as HTTP/1.1; removes the mark. Only an HTTP/2 request's mark counts.</summary>
    public static bool Take(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!HttpProtocol.IsHttp2(request.Protocol) || !request.Headers.TryGetValue(Header, out var value))
        {
            return false;
        }

        request.Headers.Remove(Header);
        return value.Count == 1 && value[0] is "HTTP/1.1" or "HTTP/1.0";
    }
}
