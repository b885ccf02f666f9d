using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Linnet.Bench.Identity;

/// <summary>What a proxy does before each Certify call: a fresh P-256 key in memory and a CSR for its
/// identity (empty subject, critical URI SAN), as <c>CertificateRenewalService</c> builds it.</summary>
internal static class ProxyCsr
{
    public static byte[] Create(string identity)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName(""), key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(identity));
        request.CertificateExtensions.Add(san.Build(critical: true));
        return request.CreateSigningRequest();
    }
}
