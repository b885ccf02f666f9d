using System.Security.Cryptography;

namespace Linnet.Registry;

/// <summary>A content digest as the OCI distribution spec writes it, <c>sha256:&lt;64 lowercase hex&gt;</c>. Only
/// sha256 is accepted: it is what registries serve, and a digest is only worth what its check is.</summary>
public sealed record ContentDigest
{
    private ContentDigest(string hex) => Hex = hex;

    /// <summary>The 64 lowercase hex characters.</summary>
    public string Hex { get; }

    /// <summary>Parses <c>sha256:&lt;hex&gt;</c>; false for anything else.</summary>
    public static bool TryParse(string? text, out ContentDigest digest)
    {
        digest = null!;
        if (text is null || !text.StartsWith("sha256:", StringComparison.Ordinal) || text.Length != 7 + 64)
        {
            return false;
        }

        var hex = text[7..];
        foreach (var c in hex)
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f'))
            {
                return false;
            }
        }

        digest = new ContentDigest(hex);
        return true;
    }

    /// <summary>Parses, or throws <see cref="RegistryException"/> naming <paramref name="what"/>.</summary>
    public static ContentDigest Parse(string? text, string what) =>
        TryParse(text, out var d) ? d : throw new RegistryException($"{what}: '{text}' is not a sha256 digest (sha256:<64 lowercase hex>)");

    /// <summary>The digest of <paramref name="content"/>.</summary>
    public static ContentDigest Of(ReadOnlySpan<byte> content) => FromHash(SHA256.HashData(content));

    /// <summary>The digest from a finished SHA-256.</summary>
    public static ContentDigest FromHash(ReadOnlySpan<byte> hash) => new(Convert.ToHexStringLower(hash));

    /// <inheritdoc />
    public override string ToString() => "sha256:" + Hex;
}
