using System.Security.Cryptography.X509Certificates;

namespace Linnet.Proxy.Identity;

/// <summary>What the proxy proves and trusts at one moment: its certificate (with the private key, which
/// never leaves the process), the chain to send after it, and the anchors peers must chain to.</summary>
/// <param name="Name">The identity the certificate proves, <c>spiffe://…</c>.</param>
/// <param name="Certificate">The leaf, with its private key.</param>
/// <param name="Intermediates">Sent after the leaf so peers can build the chain (the issuer).</param>
/// <param name="TrustAnchors">Roots a peer's chain must end in; several during an anchor rotation.</param>
internal sealed record IdentityMaterial(
    string Name,
    X509Certificate2 Certificate,
    X509Certificate2Collection Intermediates,
    X509Certificate2Collection TrustAnchors)
{
    /// <summary>When the certificate stops being valid.</summary>
    public DateTimeOffset NotAfter => Certificate.NotAfter.ToUniversalTime();
}
