using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Tests.Infrastructure;

namespace Linnet.ControlPlane.Tests.Security;

/// <summary>What a browser could send on its own: bodies of the CORS "simple" content types (415, nothing
/// applied), and requests to a rebound DNS name (421), even with the right credential.</summary>
public sealed class ApiRequestGuardTests : IAsyncLifetime
{
    private TestControlPlane _cp = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _cp = await TestControlPlane.StartAsync(Ct);

    public ValueTask DisposeAsync() => _cp.DisposeAsync();

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData("application/jsonx")]
    public async Task Apply_BrowserSimpleContentType_415AndNothingApplied(string contentType)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/apply") { Content = new StringContent(Manifests.Service("web"), Encoding.UTF8) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);

        using var response = await _cp.Http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("application/yaml", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["error"], StringComparison.Ordinal);
        Assert.Equal(0, _cp.Store.Revision);
        Assert.Null(_cp.Store.Find(new ResourceKey("Service", "default", "web")));
    }

    [Fact]
    public async Task CreateToken_TextPlain_415()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/tokens")
        {
            Content = new StringContent("""{"namespace":"shop","serviceAccount":"web"}""", Encoding.UTF8, "text/plain"),
        };

        using var response = await _cp.Http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Apply_BodyWithoutContentType_415()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/apply") { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(Manifests.Service("web"))) };

        using var response = await _cp.Http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal(0, _cp.Store.Revision);
    }

    [Theory]
    [InlineData("application/yaml")]
    [InlineData("application/x-yaml")]
    [InlineData("text/yaml")]
    [InlineData("application/json")]
    public async Task Apply_JsonOrYamlContentType_Applied(string contentType)
    {
        var body = contentType.EndsWith("json", StringComparison.Ordinal)
            ? """{"apiVersion":"v1","kind":"Service","metadata":{"name":"web"},"spec":{"ports":[{"port":80}]}}"""
            : Manifests.Service("web");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/apply") { Content = new StringContent(body, Encoding.UTF8, contentType) };

        using var response = await _cp.Http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(_cp.Store.Find(new ResourceKey("Service", "default", "web")));
    }

    [Theory]
    [InlineData("attacker.example")]
    [InlineData("attacker.example:8084")]
    [InlineData("localhost.attacker.example")]
    public async Task Apply_ForeignHost_421AndNothingApplied(string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/apply") { Content = new StringContent(Manifests.Service("web"), Encoding.UTF8, "application/yaml") };
        request.Headers.Host = host;

        using var response = await _cp.Http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.MisdirectedRequest, response.StatusCode);
        Assert.Equal(0, _cp.Store.Revision);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("LOCALHOST:8084")]
    [InlineData("127.0.0.1:8084")]
    [InlineData("[::1]:8084")]
    public async Task Health_OwnHost_Served(string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/health");
        request.Headers.Host = host;

        using var response = await _cp.Http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Health_ConfiguredHostName_Served()
    {
        await using var cp = await TestControlPlane.StartAsync(Ct, options: new ControlPlaneOptions { ApiHostNames = ["mesh.internal"] });
        using var ours = new HttpRequestMessage(HttpMethod.Get, "/api/v1/health");
        ours.Headers.Host = "mesh.internal:8084";
        using var other = new HttpRequestMessage(HttpMethod.Get, "/api/v1/health");
        other.Headers.Host = "other.internal:8084";

        using var served = await cp.Http.SendAsync(ours, Ct);
        using var refused = await cp.Http.SendAsync(other, Ct);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.MisdirectedRequest), (served.StatusCode, refused.StatusCode));
    }
}
