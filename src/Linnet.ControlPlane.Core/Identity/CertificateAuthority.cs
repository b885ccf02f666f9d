using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Linnet.ControlPlane.Core.Identity;

/// <summary>Issues workload certificates: checks a CSR (its signature, a P-256 key, the identity it asks for)
/// and signs a leaf for a SPIFFE id with the issuer, valid for <see cref="IdentityOptions.CertificateLifetime"/>
/// from <see cref="IdentityOptions.ClockSkew"/> ago, never past the issuer's own expiry.</summary>
public sealed class CertificateAuthority : IDisposable
{
    /// <summary>id-ecPublicKey.</summary>
    internal const string EcPublicKeyOid = "1.2.840.10045.2.1";

    /// <summary>prime256v1 / secp256r1 / NIST P-256.</summary>
    internal const string P256Oid = "1.2.840.10045.3.1.7";

    private const string SubjectAltNameOid = "2.5.29.17";
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    private readonly X509Certificate2 _issuer;
    private readonly byte[][] _intermediates;
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;
    private readonly TimeSpan _skew;
    private readonly bool _issuerHasKeyIdentifier;

    /// <summary>A CA that signs with <paramref name="issuer"/> (which must hold its private key) for
    /// <paramref name="trustDomain"/>.</summary>
    public CertificateAuthority(X509Certificate2Collection trustAnchors, X509Certificate2 issuer, string trustDomain, TimeProvider time, TimeSpan? lifetime = null, TimeSpan? clockSkew = null)
    {
        ArgumentNullException.ThrowIfNull(trustAnchors);
        ArgumentNullException.ThrowIfNull(issuer);
        ArgumentNullException.ThrowIfNull(time);
        if (!issuer.HasPrivateKey)
        {
            throw new ArgumentException("the issuer certificate has no private key", nameof(issuer));
        }

        if (!SpiffeId.IsName(trustDomain))
        {
            throw new ArgumentException($"'{trustDomain}' is not a valid trust domain", nameof(trustDomain));
        }

        TrustAnchors = trustAnchors;
        _issuer = issuer;
        TrustDomain = trustDomain;
        _time = time;
        _lifetime = lifetime ?? IdentityOptions.DefaultCertificateLifetime;
        _skew = clockSkew ?? IdentityOptions.DefaultClockSkew;
        if (_lifetime <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(lifetime), "the certificate lifetime must be positive");
        }

        foreach (var extension in issuer.Extensions)
        {
            _issuerHasKeyIdentifier |= extension is X509SubjectKeyIdentifierExtension;
        }

        // A self-signed issuer is its own anchor: peers need nothing after the leaf.
        _intermediates = issuer.SubjectName.RawData.AsSpan().SequenceEqual(issuer.IssuerName.RawData) ? [] : [issuer.RawData];
        TrustAnchorsPem = string.Concat(trustAnchors.Select(a => a.ExportCertificatePem() + "\n"));
    }

    /// <summary>The trust domain of every identity issued.</summary>
    public string TrustDomain { get; }

    /// <summary>The anchors (several during a rotation).</summary>
    public X509Certificate2Collection TrustAnchors { get; }

    /// <summary>The anchors as one PEM bundle, as proxies take them.</summary>
    public string TrustAnchorsPem { get; }

    /// <summary>The issuer certificate (public part).</summary>
    public X509Certificate2 Issuer => _issuer;

    /// <summary>Issues a certificate for <paramref name="identity"/> from <paramref name="csrDer"/> (PKCS#10, DER),
    /// or says why not.</summary>
    public CertifyResult Issue(ReadOnlySpan<byte> csrDer, SpiffeId identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        if (identity.TrustDomain != TrustDomain)
        {
            return CertifyResult.Refused(CertifyStatus.PermissionDenied, $"identity {identity} is not in this CA's trust domain {TrustDomain}");
        }

        CertificateRequest csr;
        try
        {
            // Loading checks the CSR's self-signature: it proves the requester holds the key.
            csr = CertificateRequest.LoadSigningRequest(
                csrDer,
                HashAlgorithmName.SHA256,
                out var consumed,
                CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions);
            if (consumed != csrDer.Length)
            {
                return CertifyResult.Refused(CertifyStatus.InvalidArgument, "the CSR has trailing bytes after its DER encoding");
            }
        }
        catch (CryptographicException ex)
        {
            var reason = ex.Message.Contains("signature", StringComparison.OrdinalIgnoreCase)
                ? "the CSR's signature does not verify: it was not signed by the key it carries"
                : $"the CSR is not a valid PKCS#10 request: {ex.Message}";
            return CertifyResult.Refused(CertifyStatus.InvalidArgument, reason);
        }

        if (KeyProblem(csr.PublicKey) is { } keyProblem)
        {
            return CertifyResult.Refused(CertifyStatus.InvalidArgument, keyProblem);
        }

        foreach (var extension in csr.CertificateExtensions)
        {
            if (extension.Oid?.Value != SubjectAltNameOid)
            {
                continue;
            }

            List<string> uris;
            try
            {
                uris = ReadUris(extension.RawData);
            }
            catch (AsnContentException)
            {
                return CertifyResult.Refused(CertifyStatus.InvalidArgument, "the CSR's subject alternative name extension is malformed");
            }

            var expected = identity.ToString();
            foreach (var uri in uris)
            {
                if (!string.Equals(uri, expected, StringComparison.Ordinal))
                {
                    return CertifyResult.Refused(CertifyStatus.PermissionDenied, $"the CSR asks for {uri} but the token proves {expected}");
                }
            }
        }

        return Sign(csr.PublicKey, identity);
    }

    /// <summary>What is wrong with a requester's key for a workload certificate, or null: only ECDSA P-256 is
    /// accepted (the mesh's one algorithm; peers need not negotiate).</summary>
    internal static string? KeyProblem(PublicKey key)
    {
        if (key.Oid.Value != EcPublicKeyOid)
        {
            return $"the CSR's key is {key.Oid.FriendlyName ?? key.Oid.Value}, not ECDSA P-256";
        }

        try
        {
            var reader = new AsnReader(key.EncodedParameters?.RawData ?? [], AsnEncodingRules.DER);
            var curve = reader.ReadObjectIdentifier();
            return curve == P256Oid ? null : $"the CSR's key is on curve {curve}, not P-256 ({P256Oid})";
        }
        catch (AsnContentException)
        {
            return "the CSR's key does not name a curve (explicit curve parameters are not accepted)";
        }
    }

    /// <summary>The URIs of a subjectAltName extension's value.</summary>
    internal static List<string> ReadUris(byte[] extensionValue)
    {
        var uris = new List<string>();
        var uriTag = new Asn1Tag(TagClass.ContextSpecific, 6);
        var names = new AsnReader(extensionValue, AsnEncodingRules.DER).ReadSequence();
        while (names.HasData)
        {
            var tag = names.PeekTag();
            if (tag.HasSameClassAndValue(uriTag))
            {
                uris.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, uriTag));
            }
            else
            {
                names.ReadEncodedValue();
            }
        }

        return uris;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _issuer.Dispose();
        foreach (var anchor in TrustAnchors)
        {
            anchor.Dispose();
        }
    }

    private CertifyResult Sign(PublicKey key, SpiffeId identity)
    {
        // Certificates hold whole seconds: truncate so that ValidUntil is exactly the leaf's NotAfter.
        var now = DateTimeOffset.FromUnixTimeSeconds(_time.GetUtcNow().ToUnixTimeSeconds());
        var notBefore = now - _skew;
        var notAfter = now + _lifetime;
        var issuerNotBefore = new DateTimeOffset(_issuer.NotBefore.ToUniversalTime());
        var issuerNotAfter = new DateTimeOffset(_issuer.NotAfter.ToUniversalTime());
        if (notBefore < issuerNotBefore)
        {
            notBefore = issuerNotBefore;
        }

        if (notAfter > issuerNotAfter)
        {
            notAfter = issuerNotAfter;
        }

        if (notAfter <= now)
        {
            return CertifyResult.Refused(CertifyStatus.PermissionDenied, $"the issuer certificate expired at {issuerNotAfter:u}: the CA can issue nothing until it is replaced");
        }

        // SPIFFE X.509-SVID: the identity is the one URI SAN; the subject is empty, so the SAN is critical (RFC 5280 §4.2.1.6).
        var request = new CertificateRequest(new X500DistinguishedName(""), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuthOid), new Oid(ClientAuthOid)], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(identity.ToString()));
        request.CertificateExtensions.Add(san.Build(critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(key, false));
        if (_issuerHasKeyIdentifier)
        {
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_issuer, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        }

        using var leaf = request.Create(_issuer, notBefore, notAfter, NewSerial());
        return new CertifyResult(CertifyStatus.Ok, "", identity, leaf.RawData, _intermediates, notAfter);
    }

    /// <summary>A random positive 128-bit serial number.</summary>
    internal static byte[] NewSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        serial[0] |= 0x01;
        return serial;
    }
}
