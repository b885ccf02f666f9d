using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Linnet.ControlPlane.Core.Rollouts;

/// <summary>How the control plane proves a webhook call is its own without sending a secret: header
/// <c>X-Linnet-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(key, "&lt;t&gt;." + body)&gt;</c>. A receiver that
/// holds the key (Linnet's load tester) checks it and refuses a signature older than <see cref="Tolerance"/>;
/// receivers that do not know it ignore the header.</summary>
public static class WebhookSignature
{
    /// <summary>The header's name.</summary>
    public const string Header = "X-Linnet-Signature";

    /// <summary>How far a signature's time may be from the receiver's clock.</summary>
    public static TimeSpan Tolerance { get; } = TimeSpan.FromMinutes(5);

    /// <summary>The header value signing <paramref name="body"/> at <paramref name="now"/>.</summary>
    public static string Sign(ReadOnlySpan<byte> key, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        var t = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"t={t},v1={Convert.ToHexStringLower(Mac(key, t, body))}";
    }

    /// <summary>Whether <paramref name="header"/> signs <paramref name="body"/> with <paramref name="key"/>, within
    /// <see cref="Tolerance"/> of <paramref name="now"/> (constant-time comparison).</summary>
    public static bool Verify(ReadOnlySpan<byte> key, ReadOnlySpan<byte> body, string? header, DateTimeOffset now)
    {
        if (header is null)
        {
            return false;
        }

        string? t = null;
        string? v1 = null;
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries))
        {
            if (part.StartsWith("t=", StringComparison.Ordinal))
            {
                t = part[2..];
            }
            else if (part.StartsWith("v1=", StringComparison.Ordinal))
            {
                v1 = part[3..];
            }
        }

        if (t is null || v1 is null || v1.Length != 64
            || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds()
            || (now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > Tolerance)
        {
            return false;
        }

        byte[] presented;
        try
        {
            presented = Convert.FromHexString(v1);
        }
        catch (FormatException)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(presented, Mac(key, t, body));
    }

    private static byte[] Mac(ReadOnlySpan<byte> key, string t, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.ASCII.GetBytes(t + ".");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return HMACSHA256.HashData(key, message);
    }
}
