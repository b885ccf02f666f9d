namespace Linnet.ControlPlane.Dashboard;

/// <summary>A signed-in dashboard: the browser holds <see cref="DashboardSessions.CookieName"/> (its id), the page
/// holds <see cref="CsrfToken"/> and sends it with every API call.</summary>
/// <param name="CsrfToken">The token the page must send in <see cref="DashboardSessions.CsrfHeader"/>.</param>
/// <param name="Expires">When the session ends (absolute, not sliding).</param>
public sealed record DashboardSession(string CsrfToken, DateTimeOffset Expires);
