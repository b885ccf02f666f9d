using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Linnet.ControlPlane.Core.Identity;
using Microsoft.Extensions.Time.Testing;

namespace Linnet.ControlPlane.Core.Tests.Identity;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class CertificateAuthorityLoaderTests : IDisposable
{
    private const string Web = "spiffe://cluster.local/ns/shop/sa/web";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero));
    private readonly string _directory = Directory.CreateTempSubdirectory("linnet-ca-").FullName;
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public void Dispose()
    {
        _key.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void Load_FirstStart_GeneratesOwnerOnlyKeyFiles()
    {
        var state = Path.Combine(_directory, "identity");
        using (MeshIdentity.Load(new IdentityOptions { Directory = state }, "cluster.local", _time))
        {
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(state));
        foreach (var key in (string[])[IdentityFiles.IssuerKey, IdentityFiles.TrustAnchorKey, IdentityFiles.TokenSigningKey])
        {
            var path = Path.Combine(state, key);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            Assert.Contains("PRIVATE KEY", File.ReadAllText(path), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Load_SecondStart_KeepsTheSameCaAndTokenKey()
    {
        var options = new IdentityOptions { Directory = _directory };
        string anchors;
        string token;
        using (var first = MeshIdentity.Load(options, "cluster.local", _time))
        {
            anchors = first.TrustAnchorsPem;
            token = first.Tokens.Create("shop", "web").Token;
        }

        _time.Advance(TimeSpan.FromMinutes(1));
        using var second = MeshIdentity.Load(options, "cluster.local", _time);

        Assert.Equal(anchors, second.TrustAnchorsPem);
        Assert.True(second.Certify(token, Web, Csr.For(_key, Web)).IsIssued);
    }

    [Fact]
    public void Revoke_PersistedOwnerOnly_SurvivesRestart()
    {
        var options = new IdentityOptions { Directory = _directory };
        IssuedToken issued;
        using (var first = MeshIdentity.Load(options, "cluster.local", _time))
        {
            issued = first.Tokens.Create("shop", "web");
            first.Tokens.Revoke(issued.Claims.Id);
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_directory, IdentityFiles.RevokedTokens)));
        using var second = MeshIdentity.Load(options, "cluster.local", _time);
        var result = second.Certify(issued.Token, Web, Csr.For(_key, Web));

        Assert.Equal(CertifyStatus.Unauthenticated, result.Status);
        Assert.Contains("revoked", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PartOfCaMissing_RefusesNamingTheFiles()
    {
        using (MeshIdentity.Load(new IdentityOptions { Directory = _directory }, "cluster.local", _time))
        {
        }

        File.Delete(Path.Combine(_directory, IdentityFiles.IssuerKey));

        var ex = Assert.Throws<IdentityConfigurationException>(() => MeshIdentity.Load(new IdentityOptions { Directory = _directory }, "cluster.local", _time));
        Assert.Contains("only part of a CA", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UserIssuerKeyReadableByOthers_RefusedNamingTheKeyFile()
    {
        var now = _time.GetUtcNow();
        using var anchor = CertificateAuthorityLoader.CreateTrustAnchor("my root", now.AddDays(-1), now.AddYears(5));
        using var issuer = CertificateAuthorityLoader.CreateIssuer(anchor, "my issuer", now.AddDays(-1), now.AddYears(1));
        var options = WriteUserCa([anchor], issuer);
        File.SetUnixFileMode(options.IssuerKeyFile!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var ex = Assert.Throws<IdentityConfigurationException>(() => MeshIdentity.Load(options, "cluster.local", _time));

        Assert.StartsWith($"the issuer key {options.IssuerKeyFile} must be readable by its owner only", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UserSuppliedFiles_IssuesUnderTheUsersAnchor()
    {
        var now = _time.GetUtcNow();
        using var anchor = CertificateAuthorityLoader.CreateTrustAnchor("my root", now.AddDays(-1), now.AddYears(5));
        using var issuer = CertificateAuthorityLoader.CreateIssuer(anchor, "my issuer", now.AddDays(-1), now.AddYears(1));
        var options = WriteUserCa([anchor], issuer);

        using var identity = MeshIdentity.Load(options, "cluster.local", _time);
        var result = identity.Certify(identity.Tokens.Create("shop", "web").Token, Web, Csr.For(_key, Web));

        Assert.True(result.IsIssued, result.Reason);
        Assert.Equal(anchor.Thumbprint, Assert.Single(identity.Authority.TrustAnchors).Thumbprint);
        Assert.Equal(issuer.RawData, Assert.Single(result.Intermediates));
        AssertChainsTo(result, anchor);
        Assert.False(File.Exists(Path.Combine(_directory, "state", IdentityFiles.IssuerKey)));
    }

    [Fact]
    public void Load_BundleWithTwoAnchors_IssuerUnderSecondAnchorAccepted()
    {
        var now = _time.GetUtcNow();
        using var oldAnchor = CertificateAuthorityLoader.CreateTrustAnchor("old root", now.AddDays(-100), now.AddYears(1));
        using var newAnchor = CertificateAuthorityLoader.CreateTrustAnchor("new root", now.AddDays(-1), now.AddYears(5));
        using var issuer = CertificateAuthorityLoader.CreateIssuer(newAnchor, "new issuer", now.AddDays(-1), now.AddYears(1));
        var options = WriteUserCa([oldAnchor, newAnchor], issuer);

        using var identity = MeshIdentity.Load(options, "cluster.local", _time);
        var result = identity.Certify(identity.Tokens.Create("shop", "web").Token, Web, Csr.For(_key, Web));

        Assert.Equal(2, identity.Authority.TrustAnchors.Count);
        Assert.Equal(2, identity.TrustAnchorsPem.Split("BEGIN CERTIFICATE").Length - 1);
        Assert.True(result.IsIssued, result.Reason);
        AssertChainsTo(result, newAnchor);
    }

    [Fact]
    public void Load_IssuerFromAnotherAnchor_RefusedWithReason()
    {
        var now = _time.GetUtcNow();
        using var anchor = CertificateAuthorityLoader.CreateTrustAnchor("root", now.AddDays(-1), now.AddYears(5));
        using var stranger = CertificateAuthorityLoader.CreateTrustAnchor("stranger", now.AddDays(-1), now.AddYears(5));
        using var issuer = CertificateAuthorityLoader.CreateIssuer(stranger, "issuer", now.AddDays(-1), now.AddYears(1));
        var options = WriteUserCa([anchor], issuer);

        var ex = Assert.Throws<IdentityConfigurationException>(() => MeshIdentity.Load(options, "cluster.local", _time));
        Assert.Contains("does not chain to any of the 1 trust anchors", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_OnlySomeUserFiles_RefusedNamingAllThree()
    {
        var options = new IdentityOptions { TrustAnchorsFile = Path.Combine(_directory, "ca.pem") };

        var ex = Assert.Throws<IdentityConfigurationException>(() => MeshIdentity.Load(options, "cluster.local", _time));
        Assert.Contains("all three files", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingAnchorsFile_RefusedNamingIt()
    {
        var options = new IdentityOptions
        {
            TrustAnchorsFile = Path.Combine(_directory, "nope.pem"),
            IssuerCertificateFile = Path.Combine(_directory, "issuer.crt"),
            IssuerKeyFile = Path.Combine(_directory, "issuer.key"),
        };

        var ex = Assert.Throws<IdentityConfigurationException>(() => MeshIdentity.Load(options, "cluster.local", _time));
        Assert.Contains("nope.pem", ex.Message, StringComparison.Ordinal);
    }

    private static void AssertChainsTo(CertifyResult result, X509Certificate2 anchor)
    {
        using var leaf = X509CertificateLoader.LoadCertificate(result.Leaf);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(X509CertificateLoader.LoadCertificate(anchor.RawData));
        chain.ChainPolicy.ExtraStore.AddRange(result.Intermediates.Select(X509CertificateLoader.LoadCertificate).ToArray());
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = leaf.NotBefore.AddMinutes(1);
        Assert.True(chain.Build(leaf), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        Assert.Equal(anchor.Thumbprint, chain.ChainElements[^1].Certificate.Thumbprint);
    }

    private IdentityOptions WriteUserCa(X509Certificate2[] anchors, X509Certificate2 issuer)
    {
        var anchorsFile = Path.Combine(_directory, "ca-bundle.pem");
        var issuerFile = Path.Combine(_directory, "issuer.crt");
        var keyFile = Path.Combine(_directory, "issuer.key");
        File.WriteAllText(anchorsFile, string.Concat(anchors.Select(a => a.ExportCertificatePem() + "\n")));
        File.WriteAllText(issuerFile, issuer.ExportCertificatePem());
        using var key = issuer.GetECDsaPrivateKey()!;
        File.WriteAllText(keyFile, key.ExportECPrivateKeyPem());
        File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return new IdentityOptions
        {
            Directory = Path.Combine(_directory, "state"),
            TrustAnchorsFile = anchorsFile,
            IssuerCertificateFile = issuerFile,
            IssuerKeyFile = keyFile,
        };
    }
}
