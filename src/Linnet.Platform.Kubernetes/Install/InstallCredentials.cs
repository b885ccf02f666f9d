using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Linnet.ControlPlane.Core.Identity;

namespace Linnet.Platform.Kubernetes.Install;

/// <summary>The certificates and keys an install needs, as PEM: the mesh's trust anchor and issuer, and the
/// admission webhook's serving certificate with the CA the API server checks it against.</summary>
/// <param name="TrustAnchorPem">The trust anchor certificate (its key is not kept: as with Linkerd's install,
/// a new issuer means a new anchor or your own CA).</param>
/// <param name="IssuerCertificatePem">The issuer certificate, signed by the anchor.</param>
/// <param name="IssuerKeyPem">The issuer's private key (PKCS#8).</param>
/// <param name="WebhookCaPem">The CA of the webhook's serving certificate: the webhook configuration's caBundle.</param>
/// <param name="WebhookCertificatePem">The webhook's serving certificate, for its Service's DNS names.</param>
/// <param name="WebhookKeyPem">The webhook's private key.</param>
public sealed record InstallCredentials(
    string TrustAnchorPem,
    string IssuerCertificatePem,
    string IssuerKeyPem,
    string WebhookCaPem,
    string WebhookCertificatePem,
    string WebhookKeyPem)
{
    /// <summary>How long the webhook's serving certificate is valid.</summary>
    public static readonly TimeSpan WebhookLifetime = TimeSpan.FromDays(365);

    /// <summary>New credentials for <paramref name="trustDomain"/>: a P-256 trust anchor and issuer as the control
    /// plane generates them in universal mode, and a webhook CA and serving certificate.</summary>
    public static InstallCredentials Generate(string trustDomain, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        var now = time.GetUtcNow();
        var notBefore = now - IdentityOptions.DefaultClockSkew;
        using var anchor = CertificateAuthorityLoader.CreateTrustAnchor($"root.linnet.{trustDomain}", notBefore, now + CertificateAuthorityLoader.AnchorLifetime);
        using var issuer = CertificateAuthorityLoader.CreateIssuer(anchor, $"identity.linnet.{trustDomain}", notBefore, now + CertificateAuthorityLoader.IssuerLifetime);
        using var issuerKey = issuer.GetECDsaPrivateKey()!;

        using var webhookCa = CertificateAuthorityLoader.CreateTrustAnchor("webhook.linnet", notBefore, now + WebhookLifetime);
        using var webhookKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var service = $"{InstallNames.InjectorService}.{InstallNames.Namespace}.svc";
        var request = new CertificateRequest($"CN={service}", webhookKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(service);
        names.AddDnsName($"{InstallNames.InjectorService}.{InstallNames.Namespace}.svc.cluster.local");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // a positive serial number (RFC 5280)
        using var serving = request.Create(webhookCa, notBefore, now + WebhookLifetime, serial);

        return new InstallCredentials(
            anchor.ExportCertificatePem() + "\n",
            issuer.ExportCertificatePem() + "\n",
            issuerKey.ExportPkcs8PrivateKeyPem() + "\n",
            webhookCa.ExportCertificatePem() + "\n",
            serving.ExportCertificatePem() + "\n",
            webhookKey.ExportPkcs8PrivateKeyPem() + "\n");
    }
}
