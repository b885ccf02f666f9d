using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Linnet.ControlPlane.Core.Identity;
using Microsoft.Extensions.Time.Testing;

namespace Linnet.ControlPlane.Core.Tests.Identity;

public sealed class CertificateAuthorityTests : IDisposable
{
    private const string Web = "spiffe://cluster.local/ns/shop/sa/web";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero));
    private readonly MeshIdentity _identity;
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public CertificateAuthorityTests()
    {
        _identity = MeshIdentity.Load(new IdentityOptions(), "cluster.local", _time);
        // Let the freshly generated CA be older than the skew allowance, as any CA past its first minute is.
        _time.Advance(TimeSpan.FromMinutes(5));
    }

    public void Dispose()
    {
        _identity.Dispose();
        _key.Dispose();
    }

    [Fact]
    public void Certify_ValidTokenAndCsr_IssuesSpiffeLeafChainingToAnchor()
    {
        var token = _identity.Tokens.Create("shop", "web").Token;

        var result = _identity.Certify(token, Web, Csr.For(_key, Web));

        Assert.True(result.IsIssued, result.Reason);
        using var leaf = X509CertificateLoader.LoadCertificate(result.Leaf);
        var san = leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.True(san.Critical);
        Assert.Equal([Web], CertificateAuthority.ReadUris(san.RawData));
        Assert.False(leaf.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.Equal(X509KeyUsageFlags.DigitalSignature, leaf.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages);
        var eku = leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value).ToList();
        Assert.Equal(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"], eku);
        using (var leafKey = leaf.GetECDsaPublicKey()!)
        {
            Assert.Equal(_key.ExportSubjectPublicKeyInfo(), leafKey.ExportSubjectPublicKeyInfo());
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_identity.Authority.TrustAnchors);
        chain.ChainPolicy.ExtraStore.AddRange(result.Intermediates.Select(X509CertificateLoader.LoadCertificate).ToArray());
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = _time.GetUtcNow().UtcDateTime;
        Assert.True(chain.Build(leaf), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        Assert.Equal(3, chain.ChainElements.Count);
    }

    [Fact]
    public void Certify_DefaultLifetime_Valid24HoursBackdatedBySkew()
    {
        var now = _time.GetUtcNow();
        var result = _identity.Certify(_identity.Tokens.Create("shop", "web").Token, Web, Csr.For(_key, Web));

        Assert.True(result.IsIssued, result.Reason);
        using var leaf = X509CertificateLoader.LoadCertificate(result.Leaf);
        Assert.Equal(now - TimeSpan.FromSeconds(20), new DateTimeOffset(leaf.NotBefore.ToUniversalTime()));
        Assert.Equal(now + TimeSpan.FromHours(24), new DateTimeOffset(leaf.NotAfter.ToUniversalTime()));
        Assert.Equal(now + TimeSpan.FromHours(24), result.ValidUntil);
    }

    [Fact]
    public void Issue_ConfiguredLifetimeBeyondIssuer_ClampedToIssuerNotAfter()
    {
        using var ca = MeshIdentity.Load(new IdentityOptions { CertificateLifetime = TimeSpan.FromDays(400) }, "cluster.local", _time);

        var result = ca.Certify(ca.Tokens.Create("shop", "web").Token, Web, Csr.For(_key, Web));

        Assert.True(result.IsIssued, result.Reason);
        using var leaf = X509CertificateLoader.LoadCertificate(result.Leaf);
        Assert.Equal(ca.Authority.Issuer.NotAfter, leaf.NotAfter);
    }

    [Fact]
    public void Certify_CsrWithoutSan_IssuesTheTokensIdentity()
    {
        var result = _identity.Certify(_identity.Tokens.Create("shop", "web").Token, "", Csr.For(_key, null));

        Assert.True(result.IsIssued, result.Reason);
        Assert.Equal(Web, result.Identity!.ToString());
    }

    [Fact]
    public void Certify_CsrForAnotherIdentity_PermissionDeniedWithReason()
    {
        var token = _identity.Tokens.Create("shop", "web").Token;

        var result = _identity.Certify(token, Web, Csr.For(_key, "spiffe://cluster.local/ns/shop/sa/admin"));

        Assert.Equal(CertifyStatus.PermissionDenied, result.Status);
        Assert.Contains("asks for spiffe://cluster.local/ns/shop/sa/admin but the token proves " + Web, result.Reason, StringComparison.Ordinal);
        Assert.Empty(result.Leaf);
    }

    [Fact]
    public void Certify_RequestedIdentityNotTokens_PermissionDenied()
    {
        var token = _identity.Tokens.Create("shop", "web").Token;

        var result = _identity.Certify(token, "spiffe://cluster.local/ns/bank/sa/web", Csr.For(_key, null));

        Assert.Equal(CertifyStatus.PermissionDenied, result.Status);
        Assert.Contains("but the token proves " + Web, result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Certify_BadCsrSignature_InvalidArgumentWithReason()
    {
        var result = _identity.Certify(_identity.Tokens.Create("shop", "web").Token, Web, Csr.WithBadSignature(_key, Web));

        Assert.Equal(CertifyStatus.InvalidArgument, result.Status);
        Assert.Contains("signature does not verify", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Certify_RsaKey_InvalidArgumentNotP256()
    {
        var result = _identity.Certify(_identity.Tokens.Create("shop", "web").Token, Web, Csr.ForRsa(Web));

        Assert.Equal(CertifyStatus.InvalidArgument, result.Status);
        Assert.Contains("not ECDSA P-256", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Certify_P384Key_InvalidArgumentNotP256()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);

        var result = _identity.Certify(_identity.Tokens.Create("shop", "web").Token, Web, Csr.For(p384, Web));

        Assert.Equal(CertifyStatus.InvalidArgument, result.Status);
        Assert.Contains("not P-256", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Certify_GarbageCsr_InvalidArgument()
    {
        var result = _identity.Certify(_identity.Tokens.Create("shop", "web").Token, Web, [0x30, 0x03, 0x01, 0x02, 0x03]);

        Assert.Equal(CertifyStatus.InvalidArgument, result.Status);
        Assert.Contains("not a valid PKCS#10", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Certify_ExpiredToken_UnauthenticatedWithReason()
    {
        var token = _identity.Tokens.Create("shop", "web", TimeSpan.FromMinutes(10)).Token;
        _time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(21));

        var result = _identity.Certify(token, Web, Csr.For(_key, Web));

        Assert.Equal(CertifyStatus.Unauthenticated, result.Status);
        Assert.Contains("expired at", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Certify_TokenJustPastExpiryWithinSkew_Issued()
    {
        var token = _identity.Tokens.Create("shop", "web", TimeSpan.FromMinutes(10)).Token;
        _time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(19));

        Assert.True(_identity.Certify(token, Web, Csr.For(_key, Web)).IsIssued);
    }

    [Fact]
    public void Certify_TokenOfAnotherControlPlane_UnauthenticatedForged()
    {
        using var other = MeshIdentity.Load(new IdentityOptions(), "cluster.local", _time);
        var token = other.Tokens.Create("shop", "web").Token;

        var result = _identity.Certify(token, Web, Csr.For(_key, Web));

        Assert.Equal(CertifyStatus.Unauthenticated, result.Status);
        Assert.Contains("signature does not verify", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Certify_TokenWithAlteredClaims_UnauthenticatedForged()
    {
        var token = _identity.Tokens.Create("shop", "web").Token;
        var parts = token.Split('.');
        var claims = System.Text.Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(parts[1])).Replace("\"web\"", "\"admin\"", StringComparison.Ordinal);
        var altered = $"{parts[0]}.{System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(claims))}.{parts[2]}";

        var result = _identity.Certify(altered, "spiffe://cluster.local/ns/shop/sa/admin", Csr.For(_key, "spiffe://cluster.local/ns/shop/sa/admin"));

        Assert.Equal(CertifyStatus.Unauthenticated, result.Status);
        Assert.Contains("forged", result.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "no token was given")]
    [InlineData("abc", "not three base64url parts")]
    [InlineData("a.b.c.d", "not three base64url parts")]
    [InlineData("e30.e30.!!!", "not base64url")]
    [InlineData("bm90IGpzb24.e30.AAAA", "header is not JSON")]
    [InlineData("eyJhbGciOiJub25lIn0.e30.AAAA", "'none'; only ES256")]
    public void Certify_MalformedToken_UnauthenticatedWithReason(string token, string reason)
    {
        var result = _identity.Certify(token, Web, Csr.For(_key, Web));

        Assert.Equal(CertifyStatus.Unauthenticated, result.Status);
        Assert.Contains(reason, result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Certify_RevokedToken_UnauthenticatedWithReason()
    {
        var issued = _identity.Tokens.Create("shop", "web");
        Assert.True(_identity.Certify(issued.Token, Web, Csr.For(_key, Web)).IsIssued);

        Assert.True(_identity.Tokens.Revoke(issued.Claims.Id));
        var result = _identity.Certify(issued.Token, Web, Csr.For(_key, Web));

        Assert.Equal(CertifyStatus.Unauthenticated, result.Status);
        Assert.Equal($"token {issued.Claims.Id} is revoked", result.Reason);
    }

    [Fact]
    public void Certify_OtherTokensAfterRevocation_StillIssued()
    {
        var revoked = _identity.Tokens.Create("shop", "web");
        var kept = _identity.Tokens.Create("shop", "web");
        _identity.Tokens.Revoke(revoked.Claims.Id);

        Assert.True(_identity.Certify(kept.Token, Web, Csr.For(_key, Web)).IsIssued);
    }
}
