using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Linnet.ControlPlane.Core.Rollouts;

/// <summary>How the control plane proves a webhook call is its own without sending a secret. One header,
/// <c>X-Linnet-Signature: t=&lt;unix seconds&gt;,n=&lt;nonce&gt;,v1=&lt;hex HMAC&gt;,es256=&lt;base64url signature&gt;</c>:
/// <c>v1</c> is HMAC-SHA256(shared key, "&lt;t&gt;." + body) for receivers that hold the shared key (kept as it was);
/// <c>es256</c> is an ECDSA P-256 / SHA-256 signature (IEEE P1363) of <see cref="CanonicalRequest"/> — method,
/// authority, path and query, the body's SHA-256, the time and the nonce — checked with the control plane's public
/// key, which any uid may read. Receivers refuse a time more than <see cref="Tolerance"/> away and, for <c>es256</c>,
/// a nonce seen before (<see cref="WebhookReplayGuard"/>); receivers that know neither key ignore the header.</summary>
public static class WebhookSignature
{
    /// <summary>The header's name.</summary>
    public const string Header = "X-Linnet-Signature";

    /// <summary>How far a signature's time may be from the receiver's clock.</summary>
    public static TimeSpan Tolerance { get; } = TimeSpan.FromMinutes(5);

    /// <summary>The header value of a request signed both ways: <c>v1</c> (shared key) and <c>es256</c> (private key).</summary>
    public static string SignRequest(ReadOnlySpan<byte> sharedKey, ECDsa privateKey, WebhookRequestLine request, ReadOnlySpan<byte> body, DateTimeOffset now, string nonce)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        ArgumentNullException.ThrowIfNull(request);
        var t = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = privateKey.SignData(CanonicalRequest(t, nonce, request, body), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return $"t={t},n={nonce},v1={Convert.ToHexStringLower(Mac(sharedKey, t, body))},es256={Base64Url.EncodeToString(signature)}";
    }

    /// <summary>A fresh nonce: 16 random bytes, hex.</summary>
    public static string NewNonce() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>Checks the <c>es256</c> part of <paramref name="header"/> against <paramref name="publicKey"/> for this
    /// request, within <see cref="Tolerance"/> of <paramref name="now"/>. Replays are the caller's to refuse with the
    /// returned nonce and time (<see cref="WebhookReplayGuard"/>).</summary>
    public static WebhookSignatureCheck VerifyRequest(ECDsa publicKey, WebhookRequestLine request, ReadOnlySpan<byte> body, string? header, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        ArgumentNullException.ThrowIfNull(request);
        if (header is null)
        {
            return WebhookSignatureCheck.Refused("no " + Header + " header");
        }

        var (t, nonce, es256) = ((string?)null, (string?)null, (string?)null);
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries))
        {
            if (part.StartsWith("t=", StringComparison.Ordinal))
            {
                t = part[2..];
            }
            else if (part.StartsWith("n=", StringComparison.Ordinal))
            {
                nonce = part[2..];
            }
            else if (part.StartsWith("es256=", StringComparison.Ordinal))
            {
                es256 = part[6..];
            }
        }

        if (t is null || nonce is null || es256 is null)
        {
            return WebhookSignatureCheck.Refused("the signature has no t, n or es256 part");
        }

        if (nonce.Length is < 16 or > 64 || !nonce.All(char.IsAsciiHexDigitLower))
        {
            return WebhookSignatureCheck.Refused("the nonce is not 16 to 64 lower-case hex digits");
        }

        if (!long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return WebhookSignatureCheck.Refused("the signature's time is not Unix seconds");
        }

        var signedAt = DateTimeOffset.FromUnixTimeSeconds(seconds);
        if ((now - signedAt).Duration() > Tolerance)
        {
            return WebhookSignatureCheck.Refused($"the signature's time is more than {Tolerance.TotalMinutes:0} minutes from the receiver's clock");
        }

        byte[] signature;
        try
        {
            signature = Base64Url.DecodeFromChars(es256);
        }
        catch (FormatException)
        {
            return WebhookSignatureCheck.Refused("es256 is not base64url");
        }

        return signature.Length == 64 && publicKey.VerifyData(CanonicalRequest(t, nonce, request, body), signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)
            ? new WebhookSignatureCheck(true, "", nonce, signedAt)
            : WebhookSignatureCheck.Refused("es256 does not verify with the control plane's public key (forged, altered, or sent to another method, host or path)");
    }

    /// <summary>What <c>es256</c> signs: <c>linnet-webhook-es256\n&lt;t&gt;\n&lt;nonce&gt;\n&lt;METHOD&gt;\n&lt;authority, lower
    /// case&gt;\n&lt;path and query&gt;\n&lt;hex SHA-256 of the body&gt;</c>, UTF-8.</summary>
    public static byte[] CanonicalRequest(string t, string nonce, WebhookRequestLine request, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Encoding.UTF8.GetBytes(string.Join('\n',
            "linnet-webhook-es256",
            t,
            nonce,
            request.Method.ToUpperInvariant(),
            request.Authority.ToLowerInvariant(),
            request.PathAndQuery,
            Convert.ToHexStringLower(SHA256.HashData(body))));
    }

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
