using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Dashboard;
using Linnet.ControlPlane.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Linnet.ControlPlane.Tests.Dashboard;

/// <summary>The dashboard's sign-in over a real socket, as a browser meets it: a one-time code from the admin
/// becomes an HttpOnly, SameSite=Strict session cookie and a redirect to the clean URL; the code works once and
/// only for two minutes; the session reaches the API only from the dashboard's own origin with its CSRF token;
/// every refusal changes nothing.</summary>
public sealed partial class DashboardSignInTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(TimeProvider.System.GetUtcNow());
    private TestControlPlane _cp = null!;
    private HttpClient _browser = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _cp = await TestControlPlane.StartAsync(Ct, services => services.AddSingleton<TimeProvider>(_time));
        await _cp.ApplyOkAsync(Manifests.Service("web"), Ct);
        // A client that, like a test of a browser's requests, sends exactly the cookies and headers given.
        _browser = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = _cp.Anonymous.BaseAddress };
    }

    public async ValueTask DisposeAsync()
    {
        _browser.Dispose();
        await _cp.DisposeAsync();
    }

    [Fact]
    public async Task Login_FreshCode_HttpOnlyStrictCookieAndRedirectToCleanUrl()
    {
        var path = await NewCodePathAsync();
        Assert.Matches("^/dashboard/login\\?code=[0-9a-f]{64}$", path);

        using var response = await _browser.GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/dashboard/", response.Headers.Location?.OriginalString);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        var attributes = cookie.Split(';', StringSplitOptions.TrimEntries).Skip(1).Select(a => a.ToLowerInvariant()).ToList();
        Assert.StartsWith(DashboardSessions.CookieName + "=", cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", attributes);
        Assert.Contains("samesite=strict", attributes);
        Assert.Contains("path=/", attributes);
        Assert.DoesNotContain("secure", attributes); // plain HTTP on loopback: a Secure cookie would never come back
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());

        // The clean URL serves the page, with the session's CSRF token for its API calls and a strict CSP.
        using var page = await SendAsync(HttpMethod.Get, "/dashboard/", CookieOf(cookie));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync(Ct);
        Assert.Matches(CsrfMeta(), html);
        var csp = string.Join(",", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task Login_CodeUsedTwice_SecondRefused401()
    {
        var path = await NewCodePathAsync();
        using var first = await _browser.GetAsync(path, Ct);
        Assert.Equal(HttpStatusCode.SeeOther, first.StatusCode);

        using var second = await _browser.GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, second.StatusCode);
        Assert.False(second.Headers.Contains("Set-Cookie"));
        Assert.Contains("already used", await ErrorAsync(second), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/dashboard/login?code=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "not valid")]
    [InlineData("/dashboard/login", "missing")]
    [InlineData("/dashboard/login?code=", "missing")]
    public async Task Login_UnknownOrMissingCode_401NoCookie(string path, string reason)
    {
        using var response = await _browser.GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));
        Assert.Contains(reason, await ErrorAsync(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_CodeOlderThanTwoMinutes_401Expired()
    {
        var path = await NewCodePathAsync();
        _time.Advance(DashboardSessions.CodeLifetime + TimeSpan.FromSeconds(1));

        using var response = await _browser.GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("expired", await ErrorAsync(response), StringComparison.Ordinal);
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task Login_JustInsideTwoMinutes_SignsIn()
    {
        var path = await NewCodePathAsync();
        _time.Advance(DashboardSessions.CodeLifetime - TimeSpan.FromSeconds(1));

        using var response = await _browser.GetAsync(path, Ct);

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
    }

    [Theory]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Sec-Fetch-Site", "same-site")]
    [InlineData("Origin", "http://attacker.example")]
    public async Task Login_FromAnotherSite_403AndCodeStillUsable(string header, string value)
    {
        var path = await NewCodePathAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation(header, value);

        using var refused = await _browser.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.False(refused.Headers.Contains("Set-Cookie"));
        using var retried = await _browser.GetAsync(path, Ct);
        Assert.Equal(HttpStatusCode.SeeOther, retried.StatusCode);
    }

    [Fact]
    public async Task Login_ExtraParameter_400()
    {
        var path = await NewCodePathAsync();

        using var response = await _browser.GetAsync(path + "&next=http://attacker.example/", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Login_ForeignHost_421()
    {
        var path = await NewCodePathAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = "rebound.attacker.example";

        using var response = await _browser.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.MisdirectedRequest, response.StatusCode);
    }

    [Fact]
    public async Task Page_NoOrUnknownCookie_401TellingHowToSignIn()
    {
        using var none = await SendAsync(HttpMethod.Get, "/dashboard/", null);
        using var unknown = await SendAsync(HttpMethod.Get, "/dashboard/", $"{DashboardSessions.CookieName}={new string('a', 64)}");

        foreach (var response in new[] { none, unknown })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains("linnet dashboard", await ErrorAsync(response), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Session_AfterEightHours_401()
    {
        var (cookie, csrf) = await SignInAsync();
        _time.Advance(DashboardSessions.SessionLifetime + TimeSpan.FromSeconds(1));

        using var page = await SendAsync(HttpMethod.Get, "/dashboard/", cookie);
        using var api = await SendAsync(HttpMethod.Get, "/api/v1/resources", cookie, csrf);

        Assert.Equal(HttpStatusCode.Unauthorized, page.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }

    [Fact]
    public async Task Api_SessionWithCsrfToken_Served()
    {
        var (cookie, csrf) = await SignInAsync();

        using var response = await SendAsync(HttpMethod.Get, "/api/v1/resources?kind=Service", cookie, csrf,
            ("Origin", _cp.Anonymous.BaseAddress!.GetLeftPart(UriPartial.Authority)), ("Sec-Fetch-Site", "same-origin"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("web", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["items"]![0]!["metadata"]!["name"]);
    }

    [Fact]
    public async Task Api_SessionWithoutOrWithWrongCsrfToken_403()
    {
        var (cookie, csrf) = await SignInAsync();

        using var missing = await SendAsync(HttpMethod.Get, "/api/v1/resources", cookie);
        using var wrong = await SendAsync(HttpMethod.Get, "/api/v1/resources", cookie, csrf[..^1] + (csrf[^1] == '0' ? '1' : '0'));

        foreach (var response in new[] { missing, wrong })
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Contains(DashboardSessions.CsrfHeader, await ErrorAsync(response), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("Origin", "http://attacker.example")]
    [InlineData("Origin", "null")]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Sec-Fetch-Site", "same-site")]
    [InlineData("Sec-Fetch-Site", "none")]
    public async Task Api_SessionFromAnotherOrigin_403EvenWithCsrfToken(string header, string value)
    {
        var (cookie, csrf) = await SignInAsync();

        using var response = await SendAsync(HttpMethod.Get, "/api/v1/resources", cookie, csrf, (header, value));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Api_SessionMutationWithoutCsrfToken_403AndNothingChanged()
    {
        var (cookie, _) = await SignInAsync();
        var revision = _cp.Store.Revision;

        using var delete = await SendAsync(HttpMethod.Delete, "/api/v1/resources/Service/default/web", cookie);

        Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);
        Assert.Equal(revision, _cp.Store.Revision);
        Assert.NotNull(_cp.Store.Find(new ResourceKey("Service", "default", "web")));
    }

    [Fact]
    public async Task Codes_WithDashboardSession_403()
    {
        var (cookie, csrf) = await SignInAsync();

        using var response = await SendAsync(HttpMethod.Post, "/api/v1/dashboard/codes", cookie, csrf);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("admin credential", await ErrorAsync(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logout_WithoutCsrf403_WithCsrfEndsTheSession()
    {
        var (cookie, csrf) = await SignInAsync();

        using var forged = await SendAsync(HttpMethod.Post, "/dashboard/logout", cookie);
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        using (var still = await SendAsync(HttpMethod.Get, "/dashboard/", cookie))
        {
            Assert.Equal(HttpStatusCode.OK, still.StatusCode);
        }

        using var logout = await SendAsync(HttpMethod.Post, "/dashboard/logout", cookie, csrf);
        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        using var after = await SendAsync(HttpMethod.Get, "/dashboard/", cookie);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Theory]
    [InlineData("app.js", "text/javascript")]
    [InlineData("app.css", "text/css")]
    [InlineData("index.html", "text/html")]
    public async Task Assets_Session_ServedFromTheAssemblyWithPolicyHeaders(string file, string mediaType)
    {
        var (cookie, _) = await SignInAsync();

        using var response = await SendAsync(HttpMethod.Get, "/dashboard/" + file, cookie);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.Contains("Content-Security-Policy"));
        Assert.True((await response.Content.ReadAsByteArrayAsync(Ct)).Length > 100);
    }

    [Fact]
    public async Task Assets_UnknownFile_404()
    {
        var (cookie, _) = await SignInAsync();

        using var missing = await SendAsync(HttpMethod.Get, "/dashboard/nothing.js", cookie);
        using var traversal = await SendAsync(HttpMethod.Get, "/dashboard/%2e%2e%2fadmin-token", cookie);

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, traversal.StatusCode);
    }

    [Fact]
    public async Task Page_NoScriptOrStyleFromElsewhere()
    {
        var (cookie, _) = await SignInAsync();
        using var page = await SendAsync(HttpMethod.Get, "/dashboard/", cookie);
        var html = await page.Content.ReadAsStringAsync(Ct);

        Assert.DoesNotContain("http://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal); // no inline script: the CSP forbids it
    }

    private async Task<string> NewCodePathAsync()
    {
        var (status, body) = await _cp.SendAsync(HttpMethod.Post, "/api/v1/dashboard/codes", Ct);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(120, body["expiresInSeconds"]!.GetValue<double>());
        return body["path"]!.GetValue<string>();
    }

    private async Task<(string Cookie, string Csrf)> SignInAsync()
    {
        using var login = await _browser.GetAsync(await NewCodePathAsync(), Ct);
        Assert.Equal(HttpStatusCode.SeeOther, login.StatusCode);
        var cookie = CookieOf(login.Headers.GetValues("Set-Cookie").Single());
        using var page = await SendAsync(HttpMethod.Get, "/dashboard/", cookie);
        var csrf = CsrfMeta().Match(await page.Content.ReadAsStringAsync(Ct)).Groups[1].Value;
        return (cookie, csrf);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? cookie, string? csrf = null, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path);
        if (cookie is not null)
        {
            request.Headers.TryAddWithoutValidation("Cookie", cookie);
        }

        if (csrf is not null)
        {
            request.Headers.TryAddWithoutValidation(DashboardSessions.CsrfHeader, csrf);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await _browser.SendAsync(request, Ct);
    }

    private static string CookieOf(string setCookie) => setCookie.Split(';')[0];

    private static async Task<string> ErrorAsync(HttpResponseMessage response) =>
        (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["error"] ?? "";

    [GeneratedRegex("<meta name=\"linnet-csrf\" content=\"([0-9a-f]{64})\">")]
    private static partial Regex CsrfMeta();
}
