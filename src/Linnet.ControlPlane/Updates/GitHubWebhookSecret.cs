using System.Security.Cryptography;
using System.Text;
using Linnet.Api.Security;

namespace Linnet.ControlPlane.Updates;

/// <summary>The secret a GitHub webhook is configured with: GitHub signs every delivery's body with it and sends
/// <c>X-Hub-Signature-256: sha256=&lt;hex of HMAC-SHA256(secret, body)&gt;</c> (GitHub's "Validating webhook
/// deliveries"). <see cref="ToString"/> never shows the secret.</summary>
public sealed class GitHubWebhookSecret
{
    /// <summary>The header GitHub signs deliveries in.</summary>
    public const string Header = "X-Hub-Signature-256";

    private const string Prefix = "sha256=";

    private readonly byte[] _key;

    /// <summary>A secret of the given text (GitHub takes any string; at least 16 characters are asked here so
    /// that a guessable one is refused).</summary>
    /// <exception cref="ArgumentException">Shorter than 16 characters.</exception>
    public GitHubWebhookSecret(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (secret.Length < 16)
        {
            throw new ArgumentException("the GitHub webhook secret must be at least 16 characters", nameof(secret));
        }

        _key = Encoding.UTF8.GetBytes(secret);
    }

    /// <summary>Reads the secret (one line) from a file readable by its owner only (0600).</summary>
    /// <exception cref="InvalidOperationException">The file is readable by others, empty, or more than one line.</exception>
    public static GitHubWebhookSecret FromFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        OwnerOnlyFile.Require(path);

        var text = File.ReadAllText(path).Trim();
        if (text.Length < 16 || text.Contains('\n', StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{path} must hold one line, the webhook's secret, at least 16 characters");
        }

        return new GitHubWebhookSecret(text);
    }

    /// <summary>Whether <paramref name="header"/> (the <c>X-Hub-Signature-256</c> value) is this secret's signature
    /// of <paramref name="body"/>, compared in constant time; a missing or malformed header is not.</summary>
    public bool Verify(ReadOnlySpan<byte> body, string? header)
    {
        if (header is null || !header.StartsWith(Prefix, StringComparison.Ordinal) || header.Length != Prefix.Length + (2 * HMACSHA256.HashSizeInBytes))
        {
            return false;
        }

        byte[] presented;
        try
        {
            presented = Convert.FromHexString(header.AsSpan(Prefix.Length));
        }
        catch (FormatException)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, body, expected);
        return CryptographicOperations.FixedTimeEquals(expected, presented);
    }

    /// <inheritdoc />
    public override string ToString() => "GitHubWebhookSecret { *** }";
}
