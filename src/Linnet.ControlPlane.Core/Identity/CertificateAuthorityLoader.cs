using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Linnet.Api.Security;

namespace Linnet.ControlPlane.Core.Identity;

/// <summary>Builds the <see cref="CertificateAuthority"/>: from the user's files (trust anchor bundle, issuer
/// certificate and key, as Linkerd's install takes them), else from the identity directory, generating a
/// trust anchor and an issuer there on first start.</summary>
public static class CertificateAuthorityLoader
{
    /// <summary>How long a generated trust anchor is valid.</summary>
    public static readonly TimeSpan AnchorLifetime = TimeSpan.FromDays(3650);

    /// <summary>How long a generated issuer is valid.</summary>
    public static readonly TimeSpan IssuerLifetime = TimeSpan.FromDays(365);

    /// <summary>Loads or creates the CA that <paramref name="options"/> describe.</summary>
    /// <exception cref="IdentityConfigurationException">A file is missing, unreadable or does not fit.</exception>
    public static CertificateAuthority Load(IdentityOptions options, string trustDomain, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        if (options.HasUserCa)
        {
            if (options.TrustAnchorsFile is null || options.IssuerCertificateFile is null || options.IssuerKeyFile is null)
            {
                throw new IdentityConfigurationException("a CA of your own needs all three files: the trust anchors, the issuer certificate and the issuer key");
            }

            return FromFiles(options.TrustAnchorsFile, options.IssuerCertificateFile, options.IssuerKeyFile, trustDomain, time, options);
        }

        if (options.Directory is null)
        {
            return Generate(trustDomain, time, options, null);
        }

        var anchors = Path.Combine(options.Directory, IdentityFiles.TrustAnchors);
        var issuer = Path.Combine(options.Directory, IdentityFiles.IssuerCertificate);
        var issuerKey = Path.Combine(options.Directory, IdentityFiles.IssuerKey);
        var present = new[] { anchors, issuer, issuerKey }.Count(File.Exists);
        if (present == 3)
        {
            return FromFiles(anchors, issuer, issuerKey, trustDomain, time, options);
        }

        if (present > 0)
        {
            // Never overwrite part of a CA: proxies may hold certificates that chain to what is left.
            throw new IdentityConfigurationException(
                $"{options.Directory} holds only part of a CA (it needs {IdentityFiles.TrustAnchors}, {IdentityFiles.IssuerCertificate} and {IdentityFiles.IssuerKey}); restore the missing files or remove the others");
        }

        return Generate(trustDomain, time, options, options.Directory);
    }

    /// <summary>A self-signed P-256 trust anchor, with its key.</summary>
    public static X509Certificate2 CreateTrustAnchor(string commonName, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(notBefore, notAfter);
    }

    /// <summary>A P-256 issuer signed by <paramref name="anchor"/> (which holds its key), with its own key;
    /// it may sign leaves only (path length 0).</summary>
    public static X509Certificate2 CreateIssuer(X509Certificate2 anchor, string commonName, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        ArgumentNullException.ThrowIfNull(anchor);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(anchor, true, false));
        var anchorNotAfter = new DateTimeOffset(anchor.NotAfter.ToUniversalTime());
        using var issued = request.Create(anchor, notBefore, notAfter > anchorNotAfter ? anchorNotAfter : notAfter, CertificateAuthority.NewSerial());
        return issued.CopyWithPrivateKey(key);
    }

    private static CertificateAuthority Generate(string trustDomain, TimeProvider time, IdentityOptions options, string? directory)
    {
        var now = time.GetUtcNow();
        var notBefore = now - options.ClockSkew;
        using var anchor = CreateTrustAnchor($"root.linnet.{trustDomain}", notBefore, now + AnchorLifetime);
        var issuer = CreateIssuer(anchor, $"identity.linnet.{trustDomain}", notBefore, now + IssuerLifetime);
        if (directory is not null)
        {
            IdentityFiles.EnsureDirectory(directory);
            using var anchorKey = anchor.GetECDsaPrivateKey()!;
            using var issuerKey = issuer.GetECDsaPrivateKey()!;
            // Keys first: a crash in between leaves no certificate without its key, only files the next start refuses.
            IdentityFiles.WritePrivate(Path.Combine(directory, IdentityFiles.TrustAnchorKey), anchorKey.ExportPkcs8PrivateKeyPem() + "\n");
            IdentityFiles.WritePrivate(Path.Combine(directory, IdentityFiles.IssuerKey), issuerKey.ExportPkcs8PrivateKeyPem() + "\n");
            IdentityFiles.WritePrivate(Path.Combine(directory, IdentityFiles.IssuerCertificate), issuer.ExportCertificatePem() + "\n");
            IdentityFiles.WritePrivate(Path.Combine(directory, IdentityFiles.TrustAnchors), anchor.ExportCertificatePem() + "\n");
        }

        var anchors = new X509Certificate2Collection(X509CertificateLoader.LoadCertificate(anchor.RawData));
        return new CertificateAuthority(anchors, issuer, trustDomain, time, options.CertificateLifetime, options.ClockSkew);
    }

    private static CertificateAuthority FromFiles(string anchorsFile, string issuerFile, string issuerKeyFile, string trustDomain, TimeProvider time, IdentityOptions options)
    {
        var anchors = new X509Certificate2Collection();
        try
        {
            anchors.ImportFromPemFile(anchorsFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new IdentityConfigurationException($"cannot read the trust anchors {anchorsFile}: {ex.Message}", ex);
        }

        if (anchors.Count == 0)
        {
            throw new IdentityConfigurationException($"{anchorsFile} holds no PEM certificate");
        }

        try
        {
            // The CA's key signs every workload certificate: the same rule as every secret file the control plane reads.
            OwnerOnlyFile.Require(issuerKeyFile, $"the issuer key {issuerKeyFile} must be readable by its owner only ({OwnerOnlyFile.Modes}; the install mounts its Secret 0440 in the control plane's group)");
        }
        catch (InvalidOperationException ex)
        {
            throw new IdentityConfigurationException(ex.Message, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IdentityConfigurationException($"cannot load the issuer from {issuerFile} and {issuerKeyFile}: {ex.Message}", ex);
        }

        X509Certificate2 issuer;
        try
        {
            issuer = X509Certificate2.CreateFromPemFile(issuerFile, issuerKeyFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new IdentityConfigurationException($"cannot load the issuer from {issuerFile} and {issuerKeyFile}: {ex.Message}", ex);
        }

        try
        {
            CheckIssuer(issuer, anchors, issuerFile, time.GetUtcNow());
        }
        catch
        {
            issuer.Dispose();
            throw;
        }

        return new CertificateAuthority(anchors, issuer, trustDomain, time, options.CertificateLifetime, options.ClockSkew);
    }

    private static void CheckIssuer(X509Certificate2 issuer, X509Certificate2Collection anchors, string issuerFile, DateTimeOffset now)
    {
        using (var key = issuer.GetECDsaPublicKey())
        {
            if (key is null)
            {
                throw new IdentityConfigurationException($"the issuer in {issuerFile} has a {issuer.PublicKey.Oid.FriendlyName} key; it must be ECDSA");
            }
        }

        var constraints = issuer.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
        if (constraints is not { CertificateAuthority: true })
        {
            throw new IdentityConfigurationException($"the issuer in {issuerFile} is not a CA certificate (basic constraints CA:TRUE missing)");
        }

        if (issuer.NotAfter.ToUniversalTime() <= now.UtcDateTime)
        {
            throw new IdentityConfigurationException($"the issuer in {issuerFile} expired at {issuer.NotAfter.ToUniversalTime():u}");
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(anchors);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        if (!chain.Build(issuer))
        {
            var problems = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
            throw new IdentityConfigurationException($"the issuer in {issuerFile} does not chain to any of the {anchors.Count} trust anchors: {problems}");
        }
    }
}
