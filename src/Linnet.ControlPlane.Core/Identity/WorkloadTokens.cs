using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Linnet.ControlPlane.Core.Identity;

/// <summary>Universal mode's workload tokens: compact JWS (ES256) signed by a control-plane key, binding a
/// namespace and service account with issued-at, expiry and a unique id. Written and read by hand with
/// <see cref="Utf8JsonWriter"/>/<see cref="JsonDocument"/>: a token has seven fields and no reflection is needed.</summary>
public sealed class WorkloadTokens : IDisposable
{
    /// <summary>The <c>iss</c> of every token.</summary>
    public const string Issuer = "linnet-control-plane";

    /// <summary>The <c>aud</c> of every token: only the identity service accepts them.</summary>
    public const string Audience = "linnet-identity";

    /// <summary>The default lifetime of a token.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromHours(24);

    private const int MaxTokenLength = 8 * 1024;

    private readonly ECDsa _key;
    private readonly string _keyId;
    private readonly TokenRevocationList _revocations;
    private readonly TimeProvider _time;
    private readonly TimeSpan _skew;

    /// <summary>Signs and checks tokens with <paramref name="key"/> (P-256), refusing ids in <paramref name="revocations"/>.</summary>
    public WorkloadTokens(ECDsa key, TokenRevocationList revocations, TimeProvider time, TimeSpan? clockSkew = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(revocations);
        ArgumentNullException.ThrowIfNull(time);
        _key = key;
        _revocations = revocations;
        _time = time;
        _skew = clockSkew ?? IdentityOptions.DefaultClockSkew;
        _keyId = Base64Url.EncodeToString(SHA256.HashData(key.ExportSubjectPublicKeyInfo()).AsSpan(0, 12));
    }

    /// <summary>The revocation list these tokens are checked against.</summary>
    public TokenRevocationList Revocations => _revocations;

    /// <summary>Loads the signing key from <c>token-signing.key</c> in <paramref name="directory"/>, creating it
    /// (0600) on first use; null: an in-memory key for this process only.</summary>
    public static WorkloadTokens Load(string? directory, TimeProvider time, TimeSpan? clockSkew = null)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        if (directory is null)
        {
            return new WorkloadTokens(key, new TokenRevocationList(null), time, clockSkew);
        }

        IdentityFiles.EnsureDirectory(directory);
        var path = Path.Combine(directory, IdentityFiles.TokenSigningKey);
        try
        {
            if (File.Exists(path))
            {
                key.ImportFromPem(File.ReadAllText(path));
            }
            else
            {
                IdentityFiles.WritePrivate(path, key.ExportPkcs8PrivateKeyPem() + "\n");
            }

            return new WorkloadTokens(key, new TokenRevocationList(Path.Combine(directory, IdentityFiles.RevokedTokens)), time, clockSkew);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            key.Dispose();
            throw new IdentityConfigurationException($"cannot load the token signing key {path}: {ex.Message}", ex);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Signs a token for <paramref name="ns"/>/<paramref name="serviceAccount"/> valid for <paramref name="lifetime"/>.</summary>
    public IssuedToken Create(string ns, string serviceAccount, TimeSpan? lifetime = null)
    {
        if (!SpiffeId.IsName(ns))
        {
            throw new ArgumentException($"'{ns}' is not a valid namespace", nameof(ns));
        }

        if (!SpiffeId.IsName(serviceAccount))
        {
            throw new ArgumentException($"'{serviceAccount}' is not a valid service account", nameof(serviceAccount));
        }

        var ttl = lifetime ?? DefaultLifetime;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero, nameof(lifetime));

        // Whole seconds, as JWT NumericDate: what is signed is exactly what a reader sees.
        var now = DateTimeOffset.FromUnixTimeSeconds(_time.GetUtcNow().ToUnixTimeSeconds());
        var claims = new TokenClaims(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), ns, serviceAccount, now, now + ttl);
        var header = Json(w =>
        {
            w.WriteString("alg", "ES256");
            w.WriteString("typ", "JWT");
            w.WriteString("kid", _keyId);
        });
        var payload = Json(w =>
        {
            w.WriteString("iss", Issuer);
            w.WriteString("aud", Audience);
            w.WriteString("jti", claims.Id);
            w.WriteString("ns", claims.Namespace);
            w.WriteString("sa", claims.ServiceAccount);
            w.WriteNumber("iat", claims.IssuedAt.ToUnixTimeSeconds());
            w.WriteNumber("exp", claims.ExpiresAt.ToUnixTimeSeconds());
        });
        var signingInput = Base64Url.EncodeToString(header) + "." + Base64Url.EncodeToString(payload);
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return new IssuedToken(signingInput + "." + Base64Url.EncodeToString(signature), claims);
    }

    /// <summary>Checks <paramref name="token"/>: well formed, signed by this control plane's key, not expired
    /// (beyond the clock-skew allowance), not issued in the future, not revoked.</summary>
    public TokenValidation Validate(string? token)
    {
        if (string.IsNullOrWhiteSpace(token))
        {
            return TokenValidation.Refused("no token was given");
        }

        token = token.Trim();
        if (token.Length > MaxTokenLength)
        {
            return TokenValidation.Refused($"token is malformed: longer than {MaxTokenLength} characters");
        }

        var first = token.IndexOf('.', StringComparison.Ordinal);
        var second = first < 0 ? -1 : token.IndexOf('.', first + 1);
        if (first <= 0 || second <= first + 1 || second == token.Length - 1 || token.IndexOf('.', second + 1) >= 0)
        {
            return TokenValidation.Refused("token is malformed: not three base64url parts separated by dots (header.payload.signature)");
        }

        byte[] header, payload, signature;
        try
        {
            header = Base64Url.DecodeFromChars(token.AsSpan(0, first));
            payload = Base64Url.DecodeFromChars(token.AsSpan(first + 1, second - first - 1));
            signature = Base64Url.DecodeFromChars(token.AsSpan(second + 1));
        }
        catch (FormatException)
        {
            return TokenValidation.Refused("token is malformed: a part is not base64url");
        }

        string? alg;
        try
        {
            using var headerJson = JsonDocument.Parse(header);
            alg = headerJson.RootElement.ValueKind == JsonValueKind.Object && headerJson.RootElement.TryGetProperty("alg", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
        }
        catch (JsonException)
        {
            return TokenValidation.Refused("token is malformed: its header is not JSON");
        }

        if (alg != "ES256")
        {
            // Never let the token choose how it is checked ("none", HMAC with the public key, …).
            return TokenValidation.Refused($"token is signed with {(alg is null ? "no algorithm" : $"'{alg}'")}; only ES256 is accepted");
        }

        if (signature.Length != 64
            || !_key.VerifyData(Encoding.ASCII.GetBytes(token[..second]), signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
        {
            return TokenValidation.Refused("token signature does not verify: it is forged, altered, or signed by another control plane");
        }

        TokenClaims claims;
        try
        {
            using var payloadJson = JsonDocument.Parse(payload);
            var root = payloadJson.RootElement;
            if (String(root, "iss") != Issuer || String(root, "aud") != Audience)
            {
                return TokenValidation.Refused($"token is not a workload token for the identity service (iss '{String(root, "iss")}', aud '{String(root, "aud")}')");
            }

            var id = String(root, "jti");
            var ns = String(root, "ns");
            var sa = String(root, "sa");
            if (string.IsNullOrEmpty(id) || !SpiffeId.IsName(ns) || !SpiffeId.IsName(sa)
                || !root.TryGetProperty("iat", out var iat) || !iat.TryGetInt64(out var iatSeconds)
                || !root.TryGetProperty("exp", out var exp) || !exp.TryGetInt64(out var expSeconds))
            {
                return TokenValidation.Refused("token is malformed: its claims lack jti, ns, sa, iat or exp");
            }

            claims = new TokenClaims(id, ns!, sa!, DateTimeOffset.FromUnixTimeSeconds(iatSeconds), DateTimeOffset.FromUnixTimeSeconds(expSeconds));
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentOutOfRangeException)
        {
            return TokenValidation.Refused("token is malformed: its claims are not a JSON object of the expected types");
        }

        var now = _time.GetUtcNow();
        if (now > claims.ExpiresAt + _skew)
        {
            return TokenValidation.Refused(string.Create(CultureInfo.InvariantCulture, $"token {claims.Id} expired at {claims.ExpiresAt:u} (now {now:u}, allowance {_skew.TotalSeconds:0}s)"));
        }

        if (claims.IssuedAt > now + _skew)
        {
            return TokenValidation.Refused(string.Create(CultureInfo.InvariantCulture, $"token {claims.Id} is issued in the future ({claims.IssuedAt:u}, now {now:u})"));
        }

        if (_revocations.IsRevoked(claims.Id))
        {
            return TokenValidation.Refused($"token {claims.Id} is revoked");
        }

        return new TokenValidation(claims, "");
    }

    /// <summary>Revokes the token with id <paramref name="id"/>; true if it was not revoked before.</summary>
    public bool Revoke(string id) => _revocations.Revoke(id);

    /// <summary>Whether <paramref name="id"/> has the shape of a token id (32 lowercase hex digits).</summary>
    public static bool IsTokenId(string? id)
    {
        if (id is not { Length: 32 })
        {
            return false;
        }

        foreach (var c in id)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();

    private static string? String(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static byte[] Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            write(json);
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
