using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Linnet.ControlPlane.Tests.Security;

/// <summary>The HTTP API over a real socket: no credential → 401 with a Bearer challenge, a wrong one → 403,
/// for every route and verb (tokens included), and nothing is changed by a refused request.</summary>
public sealed class ApiAuthenticationTests : IAsyncLifetime
{
    private const string TokenId = "0123456789abcdef0123456789abcdef";

    private TestControlPlane _cp = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Every route of the API with each verb it serves, plus paths that exist nowhere.</summary>
    public static TheoryData<string, string, string?> Calls => new()
    {
        { "GET", "/api/v1/health", null },
        { "GET", "/api/v1/resources", null },
        { "GET", "/api/v1/resources/Service/default/web", null },
        { "POST", "/api/v1/apply", Manifests.Service("other") },
        { "DELETE", "/api/v1/resources/Service/default/web", null },
        { "GET", "/api/v1/proxies", null },
        { "POST", "/api/v1/tokens", """{"namespace":"kube-system","serviceAccount":"admin","ttl":"1h"}""" },
        { "POST", $"/api/v1/tokens/{TokenId}/revoke", null },
        { "POST", "/api/v1/canaries/default/web/promote", null },
        { "PUT", "/api/v1/resources/Service/default/web", Manifests.Service("web") },
        { "GET", "/api/v1/not-an-endpoint", null },
        { "POST", "/api/v1/dashboard/codes", null },
        { "GET", "/dashboard/", null },
        { "GET", "/dashboard/app.js", null },
        { "POST", "/dashboard/logout", null },
        { "GET", "/", null },
    };

    public async ValueTask InitializeAsync()
    {
        _cp = await TestControlPlane.StartAsync(Ct);
        await _cp.ApplyOkAsync(Manifests.Service("web"), Ct);
    }

    public ValueTask DisposeAsync() => _cp.DisposeAsync();

    [Theory]
    [MemberData(nameof(Calls))]
    public async Task Call_NoCredential_401WithBearerChallengeAndNothingChanged(string method, string path, string? body)
    {
        using var response = await _cp.Anonymous.SendAsync(Request(method, path, body), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains("realm=\"linnet\"", challenge.Parameter, StringComparison.Ordinal);
        Assert.Contains("authentication required", (string?)(await Json(response))["error"], StringComparison.Ordinal);
        AssertNothingChanged();
    }

    [Theory]
    [MemberData(nameof(Calls))]
    public async Task Call_WrongCredential_403AndNothingChanged(string method, string path, string? body)
    {
        using var request = Request(method, path, body);
        // The right length and prefix, one character off: only an exact match is the credential.
        var real = _cp.Host.AdminCredential.Token;
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", real[..^1] + (real[^1] == '0' ? '1' : '0'));

        using var response = await _cp.Anonymous.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var error = (string?)(await Json(response))["error"];
        Assert.Contains("not valid", error, StringComparison.Ordinal);
        Assert.DoesNotContain(real[..^1], error, StringComparison.Ordinal);
        AssertNothingChanged();
    }

    [Theory]
    [InlineData("Basic YWRtaW46YWRtaW4=")]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    public async Task Call_MalformedAuthorization_403(string header)
    {
        using var request = Request("GET", "/api/v1/resources", null);
        request.Headers.TryAddWithoutValidation("Authorization", header);

        using var response = await _cp.Anonymous.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Call_AdminCredential_Served()
    {
        using var response = await _cp.Http.SendAsync(Request("DELETE", "/api/v1/resources/Service/default/web", null), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(_cp.Store.Find(new ResourceKey("Service", "default", "web")));
    }

    private void AssertNothingChanged()
    {
        Assert.Equal(1, _cp.Store.Revision);
        Assert.NotNull(_cp.Store.Find(new ResourceKey("Service", "default", "web")));
        Assert.Null(_cp.Store.Find(new ResourceKey("Service", "default", "other")));
        Assert.False(_cp.Host.Services.GetRequiredService<Core.Identity.MeshIdentity>().Tokens.Revocations.IsRevoked(TokenId));
    }

    private static HttpRequestMessage Request(string method, string path, string? body)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue(body.StartsWith('{') ? "application/json" : "application/yaml"));
        }

        return request;
    }

    private static async Task<JsonNode> Json(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
}
