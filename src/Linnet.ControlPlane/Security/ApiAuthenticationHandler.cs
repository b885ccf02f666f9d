using System.Security.Claims;
using System.Text.Encodings.Web;
using Linnet.ControlPlane.Api;
using Linnet.ControlPlane.Dashboard;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Linnet.ControlPlane.Security;

/// <summary>Authenticates <c>Authorization: Bearer &lt;token&gt;</c> against the <see cref="AdminCredential"/>, then
/// the <see cref="ApproverCredentials"/> (an approver may only vote); or, without that header, the dashboard's
/// session cookie (<see cref="DashboardSessions"/>), which must come from the dashboard's own origin and, on API
/// calls and every unsafe method, carry the session's CSRF token. No credential (or a session that has ended):
/// 401; a credential that is not valid, or a session cookie sent cross-site, from another origin or without its
/// CSRF token: 403. Neither the presented credential nor the real one is ever logged or echoed.</summary>
internal sealed class ApiAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    AdminCredential admin,
    ApproverCredentials approvers,
    DashboardSessions sessions) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string BearerPrefix = "Bearer ";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization;
        if (header.Count == 0)
        {
            return Task.FromResult(AuthenticateSession());
        }

        var value = header.Count == 1 ? header[0] ?? "" : "";
        if (!value.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.Fail("the Authorization header is not a single Bearer credential"));
        }

        var token = value[BearerPrefix.Length..].Trim();
        ClaimsIdentity identity;
        if (admin.Matches(token))
        {
            identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "admin"), new Claim(ClaimTypes.Role, ApiAuthentication.AdminRole)], Scheme.Name);
        }
        else if (approvers.Match(token) is { } approver)
        {
            identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, approver), new Claim(ClaimTypes.Role, ApiAuthentication.ApproverRole)], Scheme.Name);
        }
        else
        {
            return Task.FromResult(AuthenticateResult.Fail("the bearer credential is not valid"));
        }

        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }

    private AuthenticateResult AuthenticateSession()
    {
        if (!Request.Cookies.TryGetValue(DashboardSessions.CookieName, out var id) || sessions.Find(id) is not { } session)
        {
            return AuthenticateResult.NoResult();
        }

        if (DashboardOrigin.Refusal(Request, session) is { } refusal)
        {
            return AuthenticateResult.Fail(refusal);
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "admin"), new Claim(ClaimTypes.Role, ApiAuthentication.AdminRole), new Claim(ApiAuthentication.MethodClaim, ApiAuthentication.SessionMethod)],
            Scheme.Name);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        if (result.Failure is { } failure)
        {
            await ApiResponses.ErrorAsync(Context, StatusCodes.Status403Forbidden, $"forbidden: {failure.Message}");
            return;
        }

        Response.Headers[HeaderNames.WWWAuthenticate] = $"Bearer realm=\"{ApiAuthentication.Realm}\"";
        if (DashboardEndpoints.IsDashboardPath(Request.Path))
        {
            await ApiResponses.ErrorAsync(Context, StatusCodes.Status401Unauthorized,
                "authentication required: run `linnet dashboard` and open the URL it prints (it carries a one-time sign-in code)");
            return;
        }

        await ApiResponses.ErrorAsync(Context, StatusCodes.Status401Unauthorized,
            $"authentication required: send 'Authorization: Bearer <token>' with the admin credential (the file {AdminCredential.FileName} in the control plane's data directory; the CLI reads it by itself on the same host, or takes --token / LINNET_TOKEN)");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ApiResponses.ErrorAsync(Context, StatusCodes.Status403Forbidden, "forbidden: this credential may not call this endpoint");
}
