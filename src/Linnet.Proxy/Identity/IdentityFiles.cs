using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Linnet.Proxy.Configuration;

namespace Linnet.Proxy.Identity;

/// <summary>Reads identity material from PEM: trust anchor bundles, and a fixed certificate chain with its key
/// for proxies that do not use the CA.</summary>
internal static class IdentityFiles
{
    /// <summary>The certificates of a PEM bundle; throws <see cref="CryptographicException"/> when there are none.</summary>
    public static X509Certificate2Collection TrustAnchors(string pem)
    {
        var anchors = new X509Certificate2Collection();
        anchors.ImportFromPem(pem);
        if (anchors.Count == 0)
        {
            throw new CryptographicException("the trust anchors hold no PEM certificate");
        }

        return anchors;
    }

    /// <summary>Loads <see cref="IdentityBootstrapConfig.CertificatePemPath"/> (leaf first, then intermediates)
    /// and its key; the leaf must carry the configured identity as its URI SAN.</summary>
    public static IdentityMaterial LoadFixed(IdentityBootstrapConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var certificatePath = config.CertificatePemPath ?? throw new ArgumentException("no certificate file", nameof(config));
        var keyPath = config.KeyPemPath ?? throw new ArgumentException("no key file", nameof(config));
        var leaf = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        var all = new X509Certificate2Collection();
        all.ImportFromPemFile(certificatePath);
        var intermediates = new X509Certificate2Collection();
        for (var i = 1; i < all.Count; i++)
        {
            intermediates.Add(all[i]);
        }

        var uris = SpiffeUris.Of(leaf);
        if (!uris.Contains(config.Name))
        {
            throw new CryptographicException($"the certificate in {certificatePath} is for {(uris.Count == 0 ? "no URI identity" : string.Join(", ", uris))}, not {config.Name}");
        }

        return new IdentityMaterial(config.Name, leaf, intermediates, TrustAnchors(config.TrustAnchorsPem));
    }
}
