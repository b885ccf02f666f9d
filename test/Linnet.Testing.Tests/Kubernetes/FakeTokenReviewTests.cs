using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Linnet.Testing.Kubernetes;

namespace Linnet.Testing.Tests.Kubernetes;

/// <summary>The fake's TokenReview against the authentication.k8s.io/v1 reference ("TokenReview" and "Authenticating:
/// service account tokens"): a review is created (201) and answered, never stored; status.authenticated, status.user
/// (a service account authenticates as <c>system:serviceaccount:&lt;ns&gt;:&lt;sa&gt;</c> in the groups
/// <c>system:serviceaccounts</c> and <c>system:serviceaccounts:&lt;ns&gt;</c>), status.audiences the audiences common to
/// the request and the token, the API server's own when the request names none.</summary>
public sealed class FakeTokenReviewTests : IAsyncLifetime
{
    private FakeApiServer _server = null!;
    private HttpClient _http = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await FakeApiServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        _http = new HttpClient { BaseAddress = _server.BaseUri };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _server.Token);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<(HttpStatusCode Code, JsonObject Body)> ReviewAsync(string token, params string[] audiences)
    {
        var spec = new JsonObject { ["token"] = token };
        if (audiences.Length > 0)
        {
            spec["audiences"] = new JsonArray([.. audiences.Select(a => (JsonNode)JsonValue.Create(a))]);
        }

        var body = new JsonObject { ["apiVersion"] = "authentication.k8s.io/v1", ["kind"] = "TokenReview", ["spec"] = spec };
        using var response = await _http.PostAsync(FakeApiServer.TokenReviewsPath, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        return (response.StatusCode, (JsonObject)JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!);
    }

    [Fact]
    public async Task TokenReview_ServiceAccountTokenForTheAudience_AuthenticatedAsTheServiceAccount()
    {
        var token = _server.IssueServiceAccountToken("shop", "web", "identity.linnet.io");

        var (code, review) = await ReviewAsync(token, "identity.linnet.io");

        Assert.Equal(HttpStatusCode.Created, code);
        Assert.True(review["status"]!["authenticated"]!.GetValue<bool>());
        Assert.Equal("system:serviceaccount:shop:web", review["status"]!["user"]!["username"]!.GetValue<string>());
        var groups = review["status"]!["user"]!["groups"]!.AsArray().Select(g => g!.GetValue<string>()).ToList();
        Assert.Contains("system:serviceaccounts", groups);
        Assert.Contains("system:serviceaccounts:shop", groups);
        Assert.Equal(["identity.linnet.io"], review["status"]!["audiences"]!.AsArray().Select(a => a!.GetValue<string>()));
    }

    [Fact]
    public async Task TokenReview_TokenOfAnotherAudience_NotAuthenticated()
    {
        var token = _server.IssueServiceAccountToken("shop", "web", "vault");

        var (code, review) = await ReviewAsync(token, "identity.linnet.io");

        Assert.Equal(HttpStatusCode.Created, code);
        Assert.False(review["status"]!["authenticated"]!.GetValue<bool>());
        Assert.Null(review["status"]!["user"]);
        Assert.False(string.IsNullOrEmpty(review["status"]!["error"]?.GetValue<string>()));
    }

    [Fact]
    public async Task TokenReview_NoAudiencesAsked_TheApiServersOwn()
    {
        var forApiServer = _server.IssueServiceAccountToken("shop", "web");
        var forOther = _server.IssueServiceAccountToken("shop", "web", "identity.linnet.io");

        var (_, own) = await ReviewAsync(forApiServer);
        var (_, other) = await ReviewAsync(forOther);

        Assert.True(own["status"]!["authenticated"]!.GetValue<bool>());
        Assert.Equal([FakeApiServer.ApiServerAudience], own["status"]!["audiences"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.False(other["status"]!["authenticated"]!.GetValue<bool>());
    }

    [Fact]
    public async Task TokenReview_UnknownOrInvalidatedToken_NotAuthenticated()
    {
        var token = _server.IssueServiceAccountToken("shop", "web", "identity.linnet.io");
        _server.InvalidateToken(token);

        var (code, unknown) = await ReviewAsync("not-a-token", "identity.linnet.io");
        var (_, invalidated) = await ReviewAsync(token, "identity.linnet.io");

        Assert.Equal(HttpStatusCode.Created, code);
        Assert.False(unknown["status"]!["authenticated"]!.GetValue<bool>());
        Assert.False(invalidated["status"]!["authenticated"]!.GetValue<bool>());
    }

    [Fact]
    public async Task TokenReview_NoToken_422_NotAReview_400_OtherMethods_405()
    {
        var (empty, _) = await ReviewAsync("", "identity.linnet.io");
        using var wrongKind = await _http.PostAsync(FakeApiServer.TokenReviewsPath, new StringContent("""{"apiVersion":"v1","kind":"Pod","spec":{"token":"x"}}""", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        using var list = await _http.GetAsync(FakeApiServer.TokenReviewsPath, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, empty);
        Assert.Equal(HttpStatusCode.BadRequest, wrongKind.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, list.StatusCode);
    }

    [Fact]
    public async Task TokenReview_WithoutTheServersBearerToken_401()
    {
        using var anonymous = new HttpClient { BaseAddress = _server.BaseUri };
        var body = """{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"x"}}""";

        using var response = await anonymous.PostAsync(FakeApiServer.TokenReviewsPath, new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
