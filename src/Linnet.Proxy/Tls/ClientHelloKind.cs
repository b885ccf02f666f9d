namespace Linnet.Proxy.Tls;

/// <summary>What a peeked TLS ClientHello says about who is connecting.</summary>
internal enum ClientHelloKind
{
    /// <summary>The record is not complete yet: peek again.</summary>
    NeedMore,

    /// <summary>A client proxy: it offers one of <see cref="MeshAlpn"/>'s protocols.</summary>
    Mesh,

    /// <summary>Some other TLS client (or not a ClientHello at all): not for the proxy to terminate.</summary>
    Other,
}
