using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Linnet.ControlPlane.Core.Identity;
using Linnet.Proxy.Configuration;

namespace Linnet.Proxy.Tests.ControlPlane;

/// <summary>A mesh CA in memory (the control plane's own <see cref="MeshIdentity"/>) for tests that stand in for
/// the control plane: it issues the server's certificate and the proxy's fixed certificate, and writes the
/// proxy's certificate files in a scratch directory.</summary>
internal sealed class FakeMeshCa : IDisposable
{
    private readonly DirectoryInfo _directory = System.IO.Directory.CreateTempSubdirectory("linnet-fake-ca-");
    private int _files;

    public MeshIdentity Mesh { get; } = MeshIdentity.Load(new IdentityOptions(), "cluster.local", TimeProvider.System);

    /// <summary>The scratch directory (removed with the CA).</summary>
    public string Directory => _directory.FullName;

    /// <summary>The control plane's identity in this trust domain.</summary>
    public string ControlPlaneIdentity => Mesh.ControlPlaneIdentity.ToString();

    /// <summary>A certificate (with key and chain) for <paramref name="identity"/>.</summary>
    public (X509Certificate2 Leaf, X509Certificate2Collection Intermediates) Issue(SpiffeId identity)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName(""), key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(identity.ToString()));
        request.CertificateExtensions.Add(san.Build(critical: true));
        var result = Mesh.Authority.Issue(request.CreateSigningRequest(), identity);
        Assert.True(result.IsIssued, result.Reason);
        using var leaf = X509CertificateLoader.LoadCertificate(result.Leaf);
        var intermediates = new X509Certificate2Collection();
        foreach (var der in result.Intermediates)
        {
            intermediates.Add(X509CertificateLoader.LoadCertificate(der));
        }

        return (leaf.CopyWithPrivateKey(key), intermediates);
    }

    /// <summary>The proxy's identity section: a fixed certificate for <paramref name="ns"/>/<paramref name="sa"/>
    /// from this CA, and this CA's anchors.</summary>
    public IdentityBootstrapConfig ProxyIdentity(string ns = "test", string sa = "web")
    {
        var identity = Mesh.IdentityOf(ns, sa);
        var (leaf, intermediates) = Issue(identity);
        var n = Interlocked.Increment(ref _files);
        var certificateFile = Path.Combine(_directory.FullName, $"proxy-{n}.crt");
        var keyFile = Path.Combine(_directory.FullName, $"proxy-{n}.key");
        File.WriteAllText(certificateFile, leaf.ExportCertificatePem() + "\n" + string.Join("\n", intermediates.Select(c => c.ExportCertificatePem())));
        using (var key = leaf.GetECDsaPrivateKey()!)
        {
            File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        }

        leaf.Dispose();
        return new IdentityBootstrapConfig
        {
            Name = identity.ToString(),
            TrustAnchorsPem = Mesh.TrustAnchorsPem,
            CertificatePemPath = certificateFile,
            KeyPemPath = keyFile,
        };
    }

    /// <summary>A file holding the trust anchors.</summary>
    public string AnchorsFile()
    {
        var path = Path.Combine(_directory.FullName, "anchors.pem");
        File.WriteAllText(path, Mesh.TrustAnchorsPem);
        return path;
    }

    public void Dispose()
    {
        Mesh.Dispose();
        _directory.Delete(recursive: true);
    }
}
