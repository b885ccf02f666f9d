using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace Linnet.Proxy.Identity;

/// <summary>Reads the URI subject alternative names of a certificate, where SPIFFE ids live (.NET exposes DNS
/// names and IP addresses of a SAN, not URIs).</summary>
internal static class SpiffeUris
{
    private const string SubjectAltNameOid = "2.5.29.17";

    /// <summary>The URI SANs of <paramref name="certificate"/>; empty when it has none or the extension is malformed.</summary>
    public static IReadOnlyList<string> Of(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var uris = new List<string>(1);
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value != SubjectAltNameOid)
            {
                continue;
            }

            try
            {
                var uriTag = new Asn1Tag(TagClass.ContextSpecific, 6);
                var names = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
                while (names.HasData)
                {
                    if (names.PeekTag().HasSameClassAndValue(uriTag))
                    {
                        uris.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, uriTag));
                    }
                    else
                    {
                        names.ReadEncodedValue();
                    }
                }
            }
            catch (AsnContentException)
            {
                return [];
            }
        }

        return uris;
    }
}
