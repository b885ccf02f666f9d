using Microsoft.AspNetCore.Http;

namespace Linnet.Proxy.Telemetry;

/// <summary>The one rule for the inbound <c>authority</c> label, whatever the protocol (HTTP/1, HTTP/2,
/// gRPC): the canonical name of the service the client addressed, as the client's proxy resolved it and
/// sent it in Linkerd's <c>l5d-dst-canonical</c> header (<c>name.namespace.svc.cluster.local:port</c>), else
/// the request's <c>:authority</c>/<c>Host</c>. Without it a gRPC client that reached its service through a
/// universal-mode local port (authority <c>127.0.0.x:port</c>) and an HTTP/1 client that named the service
/// (<c>backend</c>) would be counted under different authorities for the same service.</summary>
internal static class DstCanonical
{
    /// <summary>Linkerd's header.</summary>
    public const string Header = "l5d-dst-canonical";

    private const int MaxLength = 261; // a 253-character name, ':' and a port

    /// <summary>Outbound: marks the request with the canonical authority of the service it was routed to.</summary>
    public static void Set(IHeaderDictionary headers, string authority)
    {
        ArgumentNullException.ThrowIfNull(headers);
        headers[Header] = authority;
    }

    /// <summary>Outbound to an endpoint that is not a meshed proxy: the app must not see the mark.</summary>
    public static void Remove(IHeaderDictionary headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        headers.Remove(Header);
    }

    /// <summary>Inbound: the authority label of <paramref name="request"/>; removes the header (the app never
    /// sees it). The header counts only from a client proxy that proved its identity over mTLS
    /// (<paramref name="fromMeshedClient"/>) and only when it is a <c>host:port</c>; otherwise the request's own
    /// authority is used.</summary>
    public static string InboundAuthority(HttpRequest request, bool fromMeshedClient)
    {
        ArgumentNullException.ThrowIfNull(request);
        var headers = request.Headers;
        if (headers.TryGetValue(Header, out var values))
        {
            headers.Remove(Header);
            if (fromMeshedClient && values.Count == 1 && values[0] is { } value && IsHostPort(value))
            {
                return value;
            }
        }

        return request.Host.Value ?? "";
    }

    private static bool IsHostPort(string value)
    {
        var colon = value.LastIndexOf(':');
        if (value.Length > MaxLength || colon < 1 || colon == value.Length - 1 || !int.TryParse(value.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            return false;
        }

        foreach (var c in value.AsSpan(0, colon))
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
