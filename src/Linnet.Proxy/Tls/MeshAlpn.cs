using System.Net.Security;

namespace Linnet.Proxy.Tls;

/// <summary>The ALPN protocol names that mark a TLS connection as one proxy talking to another. The inbound
/// listener terminates TLS only when the ClientHello offers one of them; any other TLS (an app's own, end to
/// end) passes through untouched as opaque bytes.</summary>
internal static class MeshAlpn
{
    /// <summary>HTTP/2 between proxies (HTTP/1.1 requests travel inside it, marked <c>l5d-orig-proto</c>).</summary>
    public const string Http2Name = "linnet.h2.v1";

    /// <summary>Opaque TCP between proxies: a <see cref="TransportHeader"/>, then the client's bytes.</summary>
    public const string TransportName = "linnet.transport.v1";

    public static readonly SslApplicationProtocol Http2 = new(Http2Name);

    public static readonly SslApplicationProtocol Transport = new(TransportName);

    /// <summary>Whether an offered ALPN name is one of ours.</summary>
    public static bool IsMesh(ReadOnlySpan<byte> name) =>
        name.SequenceEqual(Http2.Protocol.Span) || name.SequenceEqual(Transport.Protocol.Span);
}
