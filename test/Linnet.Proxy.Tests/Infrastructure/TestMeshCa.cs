using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Linnet.Proxy.Identity;

namespace Linnet.Proxy.Tests.Infrastructure;

/// <summary>A throwaway mesh CA for tests, shaped like the real one: an ECDSA P-256 trust anchor, an
/// issuer under it, and workload leaves with a <c>spiffe://cluster.local/ns/&lt;ns&gt;/sa/&lt;sa&gt;</c> URI SAN,
/// usable for both TLS client and server authentication.</summary>
internal sealed class TestMeshCa
{
    private static readonly TimeSpan CaLifetime = TimeSpan.FromDays(2);

    private TestMeshCa(X509Certificate2 anchor, X509Certificate2 issuer)
    {
        Anchor = anchor;
        Issuer = issuer;
    }

    /// <summary>The trust anchor (no private key needed by proxies).</summary>
    public X509Certificate2 Anchor { get; }

    /// <summary>The issuer, with its private key.</summary>
    public X509Certificate2 Issuer { get; }

    public static string Identity(string ns, string sa) => $"spiffe://cluster.local/ns/{ns}/sa/{sa}";

    public static TestMeshCa Create(string name = "test")
    {
        var now = TimeProvider.System.GetUtcNow();
        using var anchorKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var anchorRequest = new CertificateRequest($"CN=root.{name}.linnet.test", anchorKey, HashAlgorithmName.SHA256);
        anchorRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        anchorRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        anchorRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(anchorRequest.PublicKey, false));
        using var anchorWithKey = anchorRequest.CreateSelfSigned(now.AddDays(-1), now + CaLifetime);

        var issuerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var issuerRequest = new CertificateRequest($"CN=issuer.{name}.linnet.test", issuerKey, HashAlgorithmName.SHA256);
        issuerRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        issuerRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        issuerRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(issuerRequest.PublicKey, false));
        issuerRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(anchorWithKey, true, false));
        using var issuerCert = issuerRequest.Create(anchorWithKey, now.AddDays(-1), now + CaLifetime - TimeSpan.FromMinutes(1), RandomNumberGenerator.GetBytes(16));
        var issuer = issuerCert.CopyWithPrivateKey(issuerKey);
        var anchor = X509CertificateLoader.LoadCertificate(anchorWithKey.RawData);
        return new TestMeshCa(anchor, issuer);
    }

    /// <summary>Issues a leaf for <paramref name="identity"/>, valid from <paramref name="notBefore"/> (default:
    /// five seconds ago) for <paramref name="lifetime"/> (default: a day), and bundles it with this CA's issuer and
    /// <paramref name="anchors"/> (default: this CA's anchor) into the proxy's material.</summary>
    public IdentityMaterial Issue(string identity, TimeSpan? lifetime = null, DateTimeOffset? notBefore = null, X509Certificate2Collection? anchors = null)
    {
        var from = notBefore ?? TimeProvider.System.GetUtcNow().AddSeconds(-5);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + identity.Split('/')[^1], key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(UriSan(identity));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Issuer, true, false));
        using var leaf = request.Create(Issuer, from, from + (lifetime ?? TimeSpan.FromDays(1)), RandomNumberGenerator.GetBytes(16));
        var withKey = leaf.CopyWithPrivateKey(key);
        return new IdentityMaterial(
            identity,
            withKey,
            [X509CertificateLoader.LoadCertificate(Issuer.RawData)],
            anchors ?? [Anchor]);
    }

    /// <summary>A ProxyIdentity holding a fresh leaf for <paramref name="identity"/>.</summary>
    public ProxyIdentity NewIdentity(string identity)
    {
        var holder = new ProxyIdentity(enabled: true);
        holder.Update(Issue(identity));
        return holder;
    }

    // SubjectAlternativeNameBuilder adds URIs too, but writes them through Uri, which lower-cases and may
    // normalise; the SAN must carry the identity's exact text.
    private static X509Extension UriSan(string uri)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteCharacterString(UniversalTagNumber.IA5String, uri, new Asn1Tag(TagClass.ContextSpecific, 6));
        }

        return new X509Extension("2.5.29.17", writer.Encode(), critical: false);
    }
}
