using System.Globalization;
using System.Text;

namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Flagger's <c>analysis.sessionAffinity</c>: while a canary runs, a response the canary served sets a cookie
/// (<c>Set-Cookie: &lt;cookieName&gt;=&lt;value&gt;; Max-Age=&lt;maxAge&gt;</c>, plus the attributes given) and requests
/// that carry it go to the canary whatever the weights; with <c>primaryCookieName</c>, a response the primary served sets
/// that cookie (for one analysis interval) and requests carrying it stay on the primary.</summary>
public sealed record CanarySessionAffinity(string CookieName)
{
    /// <summary>Flagger's default <c>maxAge</c>: a day.</summary>
    public const int DefaultMaxAge = 86_400;

    /// <summary>Flagger's <c>primaryCookieName</c>; null: users served by the primary are not pinned.</summary>
    public string? PrimaryCookieName { get; init; }

    /// <summary>Seconds until the canary cookie expires (<c>maxAge</c>; 0 in the manifest means the default).</summary>
    public int MaxAge { get; init; } = DefaultMaxAge;

    /// <summary>The cookie's <c>Domain</c> attribute; null: none.</summary>
    public string? Domain { get; init; }

    /// <summary>The cookie's <c>HttpOnly</c> attribute.</summary>
    public bool HttpOnly { get; init; }

    /// <summary>The cookie's <c>Partitioned</c> attribute.</summary>
    public bool Partitioned { get; init; }

    /// <summary>The cookie's <c>Path</c> attribute; null: none.</summary>
    public string? Path { get; init; }

    /// <summary>The cookie's <c>SameSite</c> attribute (Strict, Lax or None); null: none.</summary>
    public string? SameSite { get; init; }

    /// <summary>The cookie's <c>Secure</c> attribute.</summary>
    public bool Secure { get; init; }

    /// <summary>The <c>Set-Cookie</c> value for <paramref name="pair"/> (<c>name=value</c>), in Flagger's attribute order
    /// (<c>BuildCookie</c>): Max-Age, Domain, HttpOnly, Partitioned, Path, SameSite, Secure.</summary>
    public string SetCookie(string pair, int maxAge)
    {
        var cookie = new StringBuilder(pair).Append(CultureInfo.InvariantCulture, $"; Max-Age={maxAge}");
        if (Domain is not null)
        {
            cookie.Append("; Domain=").Append(Domain);
        }

        if (HttpOnly)
        {
            cookie.Append("; HttpOnly");
        }

        if (Partitioned)
        {
            cookie.Append("; Partitioned");
        }

        if (Path is not null)
        {
            cookie.Append("; Path=").Append(Path);
        }

        if (SameSite is not null)
        {
            cookie.Append("; SameSite=").Append(SameSite);
        }

        if (Secure)
        {
            cookie.Append("; Secure");
        }

        return cookie.ToString();
    }
}
