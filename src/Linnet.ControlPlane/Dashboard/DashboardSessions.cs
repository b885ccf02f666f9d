using System.Security.Cryptography;
using System.Text;

namespace Linnet.ControlPlane.Dashboard;

/// <summary>The dashboard's sign-in: the admin mints a one-time code (<c>linnet dashboard</c>), the browser
/// exchanges it once, within <see cref="CodeLifetime"/>, for a session cookie. Codes and session ids are 256-bit
/// random values kept only as SHA-256 hashes (a memory dump does not yield a usable credential), looked up by
/// hash, so no comparison depends on how much of a guess was right. Both live in memory: a restarted control
/// plane forgets every session. Bounded: at most <see cref="MaxCodes"/> unused codes and
/// <see cref="MaxSessions"/> sessions (the oldest go first).</summary>
public sealed class DashboardSessions(TimeProvider time)
{
    /// <summary>The session cookie's name.</summary>
    public const string CookieName = "linnet-dashboard";

    /// <summary>The request header that carries the session's CSRF token on API calls.</summary>
    public const string CsrfHeader = "X-Linnet-Csrf";

    /// <summary>How long a code may wait before it is exchanged.</summary>
    public static readonly TimeSpan CodeLifetime = TimeSpan.FromMinutes(2);

    /// <summary>How long a session lasts (absolute).</summary>
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(8);

    /// <summary>Unused codes kept at most.</summary>
    public const int MaxCodes = 64;

    /// <summary>Sessions kept at most.</summary>
    public const int MaxSessions = 256;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, DateTimeOffset> _codes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DashboardSession> _sessions = new(StringComparer.Ordinal);

    /// <summary>A new one-time code and when it expires.</summary>
    public (string Code, DateTimeOffset Expires) NewCode()
    {
        var code = Random();
        var expires = time.GetUtcNow() + CodeLifetime;
        lock (_lock)
        {
            Prune(_codes, e => e);
            if (_codes.Count >= MaxCodes)
            {
                _codes.Remove(_codes.MinBy(kv => kv.Value).Key);
            }

            _codes[Hash(code)] = expires;
        }

        return (code, expires);
    }

    /// <summary>Exchanges <paramref name="code"/> for a session: the session id (for the cookie) and the
    /// session, or null when the code is unknown, used or expired (the reason in <paramref name="error"/>).
    /// A code works once, whatever the outcome.</summary>
    public (string Id, DashboardSession Session)? Exchange(string? code, out string error)
    {
        error = "";
        if (string.IsNullOrEmpty(code) || code.Length > 128)
        {
            error = "the sign-in code is missing";
            return null;
        }

        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (!_codes.Remove(Hash(code), out var expires))
            {
                error = "the sign-in code is not valid (unknown, or already used); run `linnet dashboard` for a new one";
                return null;
            }

            if (expires <= now)
            {
                error = "the sign-in code has expired; run `linnet dashboard` for a new one";
                return null;
            }

            Prune(_sessions, s => s.Expires);
            if (_sessions.Count >= MaxSessions)
            {
                _sessions.Remove(_sessions.MinBy(kv => kv.Value.Expires).Key);
            }

            var id = Random();
            var session = new DashboardSession(Random(), now + SessionLifetime);
            _sessions[Hash(id)] = session;
            return (id, session);
        }
    }

    /// <summary>The live session the cookie value names, or null.</summary>
    public DashboardSession? Find(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 128)
        {
            return null;
        }

        var hash = Hash(id);
        lock (_lock)
        {
            if (!_sessions.TryGetValue(hash, out var session))
            {
                return null;
            }

            if (session.Expires <= time.GetUtcNow())
            {
                _sessions.Remove(hash);
                return null;
            }

            return session;
        }
    }

    /// <summary>Ends the session the cookie value names (sign-out).</summary>
    public void End(string? id)
    {
        if (!string.IsNullOrEmpty(id) && id.Length <= 128)
        {
            lock (_lock)
            {
                _sessions.Remove(Hash(id));
            }
        }
    }

    /// <summary>Whether <paramref name="presented"/> is the session's CSRF token (constant time).</summary>
    public static bool CsrfMatches(DashboardSession session, string? presented)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (presented is null)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(session.CsrfToken)));
    }

    private void Prune<T>(Dictionary<string, T> map, Func<T, DateTimeOffset> expires)
    {
        var now = time.GetUtcNow();
        foreach (var (key, value) in map)
        {
            if (expires(value) <= now)
            {
                map.Remove(key);
            }
        }
    }

    private static string Random() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
