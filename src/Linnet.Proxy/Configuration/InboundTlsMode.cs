namespace Linnet.Proxy.Configuration;

/// <summary>What the inbound listener accepts on meshed ports.</summary>
internal enum InboundTlsMode
{
    /// <summary>mTLS from meshed peers and plaintext from anything else (for migration). Linkerd's default.</summary>
    Permissive,

    /// <summary>mTLS only: plaintext connections are refused.</summary>
    Strict,
}
