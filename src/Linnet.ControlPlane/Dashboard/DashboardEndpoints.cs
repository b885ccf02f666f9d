using System.Globalization;
using System.Security.Claims;
using System.Text;
using System.Text.Json.Nodes;
using Linnet.ControlPlane.Api;
using Linnet.ControlPlane.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Linnet.ControlPlane.Dashboard;

/// <summary>The dashboard (Linkerd's viz web, on the API's port): <c>POST /api/v1/dashboard/codes</c> mints a
/// one-time sign-in code (admin credential only), <c>GET /dashboard/login?code=</c> exchanges it for an HttpOnly,
/// <c>SameSite=Strict</c> session cookie (<c>Secure</c> over TLS) and redirects to the clean URL,
/// <c>/dashboard/…</c> serves the embedded page (session or admin credential, by the fallback policy), and
/// <c>POST /dashboard/logout</c> ends the session. The page calls the ordinary API with the cookie and its CSRF
/// token (<see cref="DashboardOrigin"/>).</summary>
internal sealed partial class DashboardEndpoints(DashboardSessions sessions, TimeProvider time, ILogger<DashboardEndpoints> logger)
{
    /// <summary>Where the dashboard is served.</summary>
    public const string Root = "/dashboard";

    /// <summary>The sign-in path.</summary>
    public const string LoginPath = Root + "/login";

    private const string CsrfPlaceholder = "{{csrf-token}}";

    // The page loads its own script and style only, talks to its own origin only and cannot be framed.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>Whether <paramref name="path"/> is one of the dashboard's pages.</summary>
    public static bool IsDashboardPath(PathString path) => path.StartsWithSegments(Root, StringComparison.Ordinal);

    public static void Map(IEndpointRouteBuilder endpoints, RouteGroupBuilder api, DashboardEndpoints dashboard)
    {
        api.MapPost("/dashboard/codes", dashboard.NewCodeAsync).RequireAuthorization(ApiAuthentication.AdminPolicy);
        endpoints.MapGet(LoginPath, dashboard.LoginAsync).AllowAnonymous();
        endpoints.MapPost(Root + "/logout", dashboard.LogoutAsync);
        endpoints.MapGet(Root + "/{**file}", dashboard.FileAsync);
    }

    /// <summary>A one-time code for <c>linnet dashboard</c>. Only the admin credential mints codes: a dashboard
    /// session cannot make itself new ones.</summary>
    public Task NewCodeAsync(HttpContext context)
    {
        if (context.User.HasClaim(ApiAuthentication.MethodClaim, ApiAuthentication.SessionMethod))
        {
            return ApiResponses.ErrorAsync(context, StatusCodes.Status403Forbidden, "forbidden: sign-in codes are minted with the admin credential, not a dashboard session");
        }

        var (code, expires) = sessions.NewCode();
        context.Response.Headers.CacheControl = "no-store";
        return ApiResponses.JsonAsync(context, StatusCodes.Status200OK, new JsonObject
        {
            ["path"] = $"{LoginPath}?code={code}",
            ["expires"] = expires.ToString("O", CultureInfo.InvariantCulture),
            ["expiresInSeconds"] = DashboardSessions.CodeLifetime.TotalSeconds,
        });
    }

    public Task LoginAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        response.Headers.CacheControl = "no-store";
        response.Headers["Referrer-Policy"] = "no-referrer";
        if (DashboardOrigin.CrossSite(request, allowUserNavigation: true) is { } crossSite)
        {
            return ApiResponses.ErrorAsync(context, StatusCodes.Status403Forbidden, $"forbidden: {crossSite}");
        }

        var codes = request.Query["code"];
        if (codes.Count > 1 || request.Query.Keys.Any(k => k != "code"))
        {
            return ApiResponses.ErrorAsync(context, StatusCodes.Status400BadRequest, "the sign-in URL takes one parameter, code");
        }

        if (sessions.Exchange(codes.ToString(), out var error) is not { } signedIn)
        {
            Log.SignInRefused(logger);
            return ApiResponses.ErrorAsync(context, StatusCodes.Status401Unauthorized, error);
        }

        response.Cookies.Append(DashboardSessions.CookieName, signedIn.Id, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = request.IsHttps,
            Path = "/",
            MaxAge = signedIn.Session.Expires - time.GetUtcNow(),
            IsEssential = true,
        });
        Log.SignedIn(logger);
        response.StatusCode = StatusCodes.Status303SeeOther;
        response.Headers.Location = Root + "/";
        return Task.CompletedTask;
    }

    public Task LogoutAsync(HttpContext context)
    {
        if (context.Request.Cookies.TryGetValue(DashboardSessions.CookieName, out var id))
        {
            sessions.End(id);
        }

        context.Response.Cookies.Delete(DashboardSessions.CookieName, new CookieOptions { Path = "/", HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = context.Request.IsHttps });
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    public async Task FileAsync(HttpContext context)
    {
        var name = (context.Request.RouteValues["file"] as string) ?? "";
        if (name.Length == 0)
        {
            if (!context.Request.Path.Value!.EndsWith('/'))
            {
                // The page's relative links need the folder's URL.
                context.Response.Redirect(Root + "/");
                return;
            }

            name = "index.html";
        }

        if (!DashboardAssets.TryGet(name, out var bytes, out var contentType))
        {
            await ApiResponses.ErrorAsync(context, StatusCodes.Status404NotFound, $"the dashboard has no file {context.Request.Path}");
            return;
        }

        var response = context.Response;
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.CacheControl = "no-store";
        response.ContentType = contentType;
        if (name == "index.html")
        {
            // The page reads its CSRF token from a meta tag (hex digits only: nothing to escape).
            var session = context.User.HasClaim(ApiAuthentication.MethodClaim, ApiAuthentication.SessionMethod)
                          && context.Request.Cookies.TryGetValue(DashboardSessions.CookieName, out var id)
                ? sessions.Find(id)
                : null;
            bytes = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(bytes).Replace(CsrfPlaceholder, session?.CsrfToken ?? "", StringComparison.Ordinal));
        }

        await response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "dashboard: a browser signed in with a one-time code")]
        public static partial void SignedIn(ILogger logger);

        [LoggerMessage(2, LogLevel.Warning, "dashboard: a sign-in with an unknown, used or expired code was refused")]
        public static partial void SignInRefused(ILogger logger);
    }
}
