using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Linnet.ControlPlane.Core.Identity;
using Microsoft.Extensions.Logging;

namespace Linnet.ControlPlane.Security;

/// <summary>The certificate the gRPC listener presents: issued by the mesh's own CA for
/// <see cref="MeshIdentity.ControlPlaneIdentity"/>, its key in memory only, re-issued at 70 % of its life (checked
/// at each handshake, so a long-running control plane never serves an expired one).</summary>
public sealed partial class ControlPlaneCertificate : IDisposable
{
    private readonly MeshIdentity _mesh;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private SslStreamCertificateContext? _context;
    private X509Certificate2? _leaf;
    private DateTimeOffset _renewAt;

    /// <summary>Issues the first certificate at once: a CA that cannot issue must stop the start.</summary>
    public ControlPlaneCertificate(MeshIdentity mesh, TimeProvider time, ILogger<ControlPlaneCertificate> logger)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        _mesh = mesh;
        _time = time;
        _logger = logger;
        Issue();
    }

    /// <summary>The identity the certificate proves.</summary>
    public SpiffeId Identity => _mesh.ControlPlaneIdentity;

    /// <summary>The certificate in effect (renewed first when due).</summary>
    public X509Certificate2 Leaf
    {
        get
        {
            RenewIfDue();
            return _leaf!;
        }
    }

    /// <summary>The certificate and its chain for a TLS handshake (renewed first when due).</summary>
    public SslStreamCertificateContext Context
    {
        get
        {
            RenewIfDue();
            return _context!;
        }
    }

    /// <summary>Whether a client's certificate chains to the mesh's trust anchors (no system roots, no
    /// revocation fetches); a client without one passes here and is judged by the service it calls.</summary>
    public bool ValidateClient(X509Certificate? certificate, X509Chain? presented)
    {
        if (certificate is null)
        {
            return true;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_mesh.Authority.TrustAnchors);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = _time.GetUtcNow().UtcDateTime;

        // Our own issuer completes a chain whose client sent its leaf alone.
        chain.ChainPolicy.ExtraStore.Add(_mesh.Authority.Issuer);
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }

    /// <inheritdoc />
    public void Dispose() => _leaf?.Dispose();

    private void RenewIfDue()
    {
        lock (_lock)
        {
            if (_time.GetUtcNow() >= _renewAt)
            {
                Issue();
            }
        }
    }

    private void Issue()
    {
        lock (_lock)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest(new X500DistinguishedName(""), key, HashAlgorithmName.SHA256);
            var san = new SubjectAlternativeNameBuilder();
            san.AddUri(new Uri(Identity.ToString()));
            request.CertificateExtensions.Add(san.Build(critical: true));
            var result = _mesh.IssueControlPlane(request.CreateSigningRequest());
            if (!result.IsIssued)
            {
                throw new IdentityConfigurationException($"the CA cannot issue the control plane's own certificate: {result.Reason}");
            }

            using var issued = X509CertificateLoader.LoadCertificate(result.Leaf);
            var leaf = issued.CopyWithPrivateKey(key);
            var intermediates = new X509Certificate2Collection();
            foreach (var der in result.Intermediates)
            {
                intermediates.Add(X509CertificateLoader.LoadCertificate(der));
            }

            _context = SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
            _leaf = leaf;
            var notBefore = new DateTimeOffset(leaf.NotBefore.ToUniversalTime());
            _renewAt = notBefore + ((result.ValidUntil - notBefore) * 0.7);
            Log.Issued(_logger, Identity.ToString(), result.ValidUntil, _renewAt);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(421, LogLevel.Information, "the control plane's own certificate for {Identity} is valid until {ValidUntil:u}; renewed from {RenewAt:u}")]
        public static partial void Issued(ILogger logger, string identity, DateTimeOffset validUntil, DateTimeOffset renewAt);
    }
}
