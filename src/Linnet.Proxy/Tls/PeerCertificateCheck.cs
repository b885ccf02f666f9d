using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Linnet.Proxy.Tls;

/// <summary>One handshake's check of the peer's certificate: it must chain to the trust anchors of the
/// material in effect when the handshake began (SslStream builds the chain with our custom-root policy), and
/// carry one <c>spiffe://</c> URI SAN — equal to <see cref="Expected"/> when the caller names one (a client
/// proxy checks that the server is exactly the identity discovery named). Keeps the reason for a refusal,
/// which SslStream would otherwise reduce to "rejected by the callback".</summary>
internal sealed class PeerCertificateCheck(string? expected)
{
    public string? Expected { get; } = expected;

    /// <summary>The identity the peer proved, once the check passed.</summary>
    public string? PeerIdentity { get; private set; }

    /// <summary>Why the check failed, if it did.</summary>
    public string? Failure { get; private set; }

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            Failure = "the peer presented no certificate";
            return false;
        }

        if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            Failure = $"the peer's certificate is not valid under our trust anchors ({Describe(chain)})";
            return false;
        }

        // Name mismatch is about DNS names and TargetHost; the mesh checks the SPIFFE URI SAN instead.
        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        var identity = SpiffeId.Read(leaf);
        if (identity is null)
        {
            Failure = "the peer's certificate has no single spiffe:// URI SAN";
            return false;
        }

        if (Expected is not null && !string.Equals(identity, Expected, StringComparison.Ordinal))
        {
            Failure = $"the server presented identity {identity}, expected {Expected}";
            return false;
        }

        PeerIdentity = identity;
        return true;
    }

    private static string Describe(X509Chain? chain)
    {
        if (chain is null || chain.ChainStatus.Length == 0)
        {
            return "chain could not be built";
        }

        var sb = new StringBuilder();
        foreach (var status in chain.ChainStatus)
        {
            if (status.Status == X509ChainStatusFlags.NoError)
            {
                continue;
            }

            if (sb.Length > 0)
            {
                sb.Append("; ");
            }

            sb.Append(status.Status switch
            {
                X509ChainStatusFlags.NotTimeValid => "expired or not yet valid",
                X509ChainStatusFlags.UntrustedRoot or X509ChainStatusFlags.PartialChain => "not issued under a trusted anchor",
                _ => status.Status.ToString(),
            });
        }

        return sb.Length > 0 ? sb.ToString() : "chain could not be built";
    }
}
