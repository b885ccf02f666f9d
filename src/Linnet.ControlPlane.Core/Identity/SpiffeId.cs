using System.Diagnostics.CodeAnalysis;

namespace Linnet.ControlPlane.Core.Identity;

/// <summary>A workload identity, <c>spiffe://&lt;trust-domain&gt;/ns/&lt;namespace&gt;/sa/&lt;service-account&gt;</c>.</summary>
/// <param name="TrustDomain">The trust domain (<c>cluster.local</c> by default).</param>
/// <param name="Namespace">The workload's namespace.</param>
/// <param name="ServiceAccount">The workload's service account.</param>
public sealed record SpiffeId(string TrustDomain, string Namespace, string ServiceAccount)
{
    private const string Scheme = "spiffe://";

    /// <summary>The URI form.</summary>
    public override string ToString() => $"{Scheme}{TrustDomain}/ns/{Namespace}/sa/{ServiceAccount}";

    /// <summary>Parses the URI form; false for anything that is not exactly <c>spiffe://td/ns/N/sa/S</c>.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out SpiffeId? id)
    {
        id = null;
        if (text is null || !text.StartsWith(Scheme, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = text[Scheme.Length..].Split('/');
        if (parts.Length != 5 || parts[1] != "ns" || parts[3] != "sa" || !IsName(parts[0]) || !IsName(parts[2]) || !IsName(parts[4]))
        {
            return false;
        }

        id = new SpiffeId(parts[0], parts[2], parts[4]);
        return true;
    }

    /// <summary>The identity a certificate proves: its one <c>spiffe://</c> URI SAN, or false when it has none,
    /// several, or one that is not a workload identity.</summary>
    public static bool TryFromCertificate(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate, [NotNullWhen(true)] out SpiffeId? id)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        id = null;
        var uris = new List<string>();
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value == "2.5.29.17")
            {
                try
                {
                    uris.AddRange(CertificateAuthority.ReadUris(extension.RawData));
                }
                catch (System.Formats.Asn1.AsnContentException)
                {
                    return false;
                }
            }
        }

        return uris.Count == 1 && TryParse(uris[0], out id);
    }

    /// <summary>Whether <paramref name="name"/> may be a trust domain, namespace or service account: DNS-label
    /// characters and dots, so that a name can never smuggle a path segment into the URI.</summary>
    public static bool IsName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 253)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_'))
            {
                return false;
            }
        }

        return true;
    }
}
