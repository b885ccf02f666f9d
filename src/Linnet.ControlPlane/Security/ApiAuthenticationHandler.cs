using System.Security.Claims;
using System.Text.Encodings.Web;
using Linnet.ControlPlane.Api;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Linnet.ControlPlane.Security;

/// <summary>Authenticates <c>Authorization: Bearer &lt;token&gt;</c> against the <see cref="AdminCredential"/>, then
/// the <see cref="ApproverCredentials"/> (an approver may only vote).
/// No credential: 401 with <c>WWW-Authenticate</c>; a credential that is not valid: 403. Neither the
/// presented credential nor the real one is ever logged or echoed.</summary>
internal sealed class ApiAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    AdminCredential admin,
    ApproverCredentials approvers) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string BearerPrefix = "Bearer ";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization;
        if (header.Count == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
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

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        if (result.Failure is { } failure)
        {
            await ApiResponses.ErrorAsync(Context, StatusCodes.Status403Forbidden, $"forbidden: {failure.Message}");
            return;
        }

        Response.Headers[HeaderNames.WWWAuthenticate] = $"Bearer realm=\"{ApiAuthentication.Realm}\"";
        await ApiResponses.ErrorAsync(Context, StatusCodes.Status401Unauthorized,
            $"authentication required: send 'Authorization: Bearer <token>' with the admin credential (the file {AdminCredential.FileName} in the control plane's data directory; the CLI reads it by itself on the same host, or takes --token / LINNET_TOKEN)");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ApiResponses.ErrorAsync(Context, StatusCodes.Status403Forbidden, "forbidden: this credential may not call this endpoint");
}
