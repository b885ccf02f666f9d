namespace Linnet.ControlPlane.Core.Identity;

/// <summary>The file names in the identity directory, and how secrets are written there: owner-only from the
/// moment they exist (created 0600, never chmod-ed afterwards), complete or absent (temp file, then rename).</summary>
public static class IdentityFiles
{
    /// <summary>The trust anchors, a PEM bundle.</summary>
    public const string TrustAnchors = "trust-anchors.pem";

    /// <summary>The generated trust anchor's key (kept so that a new issuer can be signed later).</summary>
    public const string TrustAnchorKey = "trust-anchor.key";

    /// <summary>The issuer certificate, PEM.</summary>
    public const string IssuerCertificate = "issuer.crt";

    /// <summary>The issuer's key, PEM.</summary>
    public const string IssuerKey = "issuer.key";

    /// <summary>The key that signs workload tokens, PEM.</summary>
    public const string TokenSigningKey = "token-signing.key";

    /// <summary>The revoked token ids, JSON.</summary>
    public const string RevokedTokens = "revoked-tokens.json";

    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates <paramref name="directory"/> (0700) if missing.</summary>
    public static void EnsureDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, OwnerOnlyDirectory);
        }
    }

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> readable by its owner only; replaces
    /// atomically whatever was there.</summary>
    public static void WritePrivate(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(path);
        var temp = path + ".tmp";
        File.Delete(temp);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.WriteThrough };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnlyFile;
        }

        using (var stream = new FileStream(temp, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(text);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}
