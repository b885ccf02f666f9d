using Microsoft.AspNetCore.Http;

namespace Linnet.ControlPlane.Dashboard;

/// <summary>The CSRF rules for requests that a browser authenticates with the dashboard's cookie. The cookie is
/// <c>SameSite=Strict</c>, so another site's page cannot make the browser send it; these checks hold even if it
/// did (an old browser, a sibling subdomain): the request must not be cross-site (<c>Sec-Fetch-Site</c>), its
/// <c>Origin</c>, when sent, must be this control plane's own, and API calls and every unsafe method must carry
/// the session's CSRF token in <see cref="DashboardSessions.CsrfHeader"/> — a custom header, which no other
/// origin can set without a CORS preflight that this server never approves.</summary>
internal static class DashboardOrigin
{
    /// <summary>Why the request may not use the session, or null when it may.</summary>
    public static string? Refusal(HttpRequest request, DashboardSession session)
    {
        var navigation = HttpMethods.IsGet(request.Method) && DashboardEndpoints.IsDashboardPath(request.Path);
        if (CrossSite(request, allowUserNavigation: navigation) is { } crossSite)
        {
            return crossSite;
        }

        if (navigation)
        {
            return null;
        }

        return DashboardSessions.CsrfMatches(session, request.Headers[DashboardSessions.CsrfHeader].Count == 1 ? request.Headers[DashboardSessions.CsrfHeader][0] : null)
            ? null
            : $"a dashboard session's API call must carry its CSRF token in {DashboardSessions.CsrfHeader}";
    }

    /// <summary>Why the request is cross-site or from another origin, or null. <paramref name="allowUserNavigation"/>
    /// admits <c>Sec-Fetch-Site: none</c> (the user typed or opened the URL).</summary>
    public static string? CrossSite(HttpRequest request, bool allowUserNavigation)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0 && site != "same-origin" && !(allowUserNavigation && site == "none"))
        {
            return $"a {Printable(site)} request may not use the dashboard session";
        }

        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && !string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase))
        {
            return $"the request's Origin '{Printable(origin)}' is not this control plane";
        }

        return null;
    }

    private static string Printable(string text) => new(text.Take(64).Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
