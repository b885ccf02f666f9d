namespace Linnet.Proxy.Configuration;

/// <summary>How the proxy treats traffic to a service port.</summary>
internal enum ServiceProtocol
{
    /// <summary>Detect HTTP/1, HTTP/2 or opaque TCP from the first bytes.</summary>
    Detect,

    /// <summary>Forward bytes as they are, without detection (server-speaks-first protocols work).</summary>
    Opaque,
}
