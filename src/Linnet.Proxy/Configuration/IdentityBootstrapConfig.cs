namespace Linnet.Proxy.Configuration;

/// <summary>How the proxy gets its TLS identity. Absent from <see cref="BootstrapConfig"/>: the proxy runs
/// without identity (plaintext everywhere).</summary>
internal sealed record IdentityBootstrapConfig
{
    /// <summary>The trust anchors peers' certificates must chain to, as PEM (one or more certificates:
    /// several during an anchor rotation).</summary>
    public required string TrustAnchorsPem { get; init; }

    /// <summary>The identity this proxy asks for, <c>spiffe://&lt;trust-domain&gt;/ns/&lt;ns&gt;/sa/&lt;sa&gt;</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The identity service (<c>Certify</c>) as <c>host:port</c>; null: the control plane's address.</summary>
    public string? CaAddress { get; init; }

    /// <summary>A file holding the token that proves <see cref="Name"/>; read anew at every renewal.</summary>
    public string? TokenPath { get; init; }

    /// <summary>Instead of the CA: a fixed certificate chain (PEM, leaf first) and its key, for hosts
    /// managed by hand and for tests.</summary>
    public string? CertificatePemPath { get; init; }

    /// <summary>The PEM private key that goes with <see cref="CertificatePemPath"/>.</summary>
    public string? KeyPemPath { get; init; }
}
