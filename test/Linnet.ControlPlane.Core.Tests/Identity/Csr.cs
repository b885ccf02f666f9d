using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Linnet.ControlPlane.Core.Tests.Identity;

/// <summary>Certificate signing requests as a proxy (or an attacker) would build them.</summary>
internal static class Csr
{
    public static byte[] For(ECDsa key, string? uri)
    {
        var request = new CertificateRequest(new X500DistinguishedName(""), key, HashAlgorithmName.SHA256);
        if (uri is not null)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddUri(new Uri(uri));
            request.CertificateExtensions.Add(san.Build(critical: true));
        }

        return request.CreateSigningRequest();
    }

    public static byte[] ForRsa(string uri)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest(new X500DistinguishedName(""), rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(uri));
        request.CertificateExtensions.Add(san.Build(critical: true));
        return request.CreateSigningRequest();
    }

    /// <summary>A CSR whose signature no longer matches its content: one bit of the signature flipped.</summary>
    public static byte[] WithBadSignature(ECDsa key, string uri)
    {
        var der = For(key, uri);
        // The signature BIT STRING ends the DER; its last byte is part of s.
        der[^1] ^= 0x01;
        return der;
    }
}
