using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace Linnet.Proxy.Tls;

/// <summary>Reads the identity a workload certificate proves: its <c>spiffe://</c> URI subject alternative name.</summary>
internal static class SpiffeId
{
    private const string SubjectAltNameOid = "2.5.29.17";

    private static readonly Asn1Tag UriTag = new(TagClass.ContextSpecific, 6);

    /// <summary>The certificate's single <c>spiffe://</c> URI SAN; null when it has none, or more than one
    /// (an ambiguous certificate proves nothing).</summary>
    public static string? Read(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value == SubjectAltNameOid)
            {
                return ReadFromExtension(extension.RawData);
            }
        }

        return null;
    }

    private static string? ReadFromExtension(byte[] der)
    {
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            var names = reader.ReadSequence();
            string? found = null;
            while (names.HasData)
            {
                var tag = names.PeekTag();
                if (tag.HasSameClassAndValue(UriTag))
                {
                    // uniformResourceIdentifier [6] IMPLICIT IA5String
                    var uri = names.ReadCharacterString(UniversalTagNumber.IA5String, UriTag);
                    if (uri.StartsWith("spiffe://", StringComparison.Ordinal))
                    {
                        if (found is not null)
                        {
                            return null;
                        }

                        found = uri;
                    }
                }
                else
                {
                    names.ReadEncodedValue();
                }
            }

            return found;
        }
        catch (AsnContentException)
        {
            return null;
        }
    }
}
