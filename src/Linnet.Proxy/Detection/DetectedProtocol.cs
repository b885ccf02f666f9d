namespace Linnet.Proxy.Detection;

/// <summary>What the first bytes of a connection say it speaks.</summary>
internal enum DetectedProtocol
{
    /// <summary>Not decided yet: read more.</summary>
    NeedMore,

    /// <summary>An HTTP/1.x request line.</summary>
    Http1,

    /// <summary>The HTTP/2 connection preface (prior knowledge).</summary>
    Http2,

    /// <summary>Anything else: forward bytes as they are.</summary>
    Opaque,

    /// <summary>A TLS ClientHello from a client proxy (it offers a mesh ALPN): the inbound proxy terminates it.</summary>
    MeshTls,
}
