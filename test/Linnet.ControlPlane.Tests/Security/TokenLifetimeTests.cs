using System.Net;
using System.Text.Json.Nodes;
using Linnet.ControlPlane.Tests.Infrastructure;

namespace Linnet.ControlPlane.Tests.Security;

/// <summary>Workload tokens minted over the API live at most the configured maximum (24 h by default).</summary>
public sealed class TokenLifetimeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("25h")]
    [InlineData("8784h")]
    [InlineData("86401s")]
    public async Task CreateToken_LongerThanDefaultMaximum_400NamingTheMaximum(string ttl)
    {
        await using var cp = await TestControlPlane.StartAsync(Ct);

        var (status, body) = await cp.SendJsonAsync(HttpMethod.Post, "/api/v1/tokens", new JsonObject { ["namespace"] = "shop", ["serviceAccount"] = "web", ["ttl"] = ttl }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("longer than the longest lifetime this control plane grants (24h", (string?)body["error"], StringComparison.Ordinal);
        Assert.Null(body["token"]);
    }

    [Fact]
    public async Task CreateToken_ExactlyTheMaximum_Issued24Hours()
    {
        await using var cp = await TestControlPlane.StartAsync(Ct);

        var (status, body) = await cp.SendJsonAsync(HttpMethod.Post, "/api/v1/tokens", new JsonObject { ["namespace"] = "shop", ["serviceAccount"] = "web", ["ttl"] = "24h" }, Ct);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(TimeSpan.FromHours(24), DateTimeOffset.Parse((string)body["expiresAt"]!, System.Globalization.CultureInfo.InvariantCulture) - DateTimeOffset.Parse((string)body["issuedAt"]!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task CreateToken_ConfiguredMaximum_LongerRefusedAndDefaultCappedToIt()
    {
        await using var cp = await TestControlPlane.StartAsync(Ct, options: new ControlPlaneOptions { TokenMaxLifetime = TimeSpan.FromHours(1) });

        var (refused, error) = await cp.SendJsonAsync(HttpMethod.Post, "/api/v1/tokens", new JsonObject { ["namespace"] = "shop", ["serviceAccount"] = "web", ["ttl"] = "2h" }, Ct);
        var (issued, body) = await cp.SendJsonAsync(HttpMethod.Post, "/api/v1/tokens", new JsonObject { ["namespace"] = "shop", ["serviceAccount"] = "web" }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, refused);
        Assert.Contains("(1h;", (string?)error["error"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, issued);
        Assert.Equal(TimeSpan.FromHours(1), DateTimeOffset.Parse((string)body["expiresAt"]!, System.Globalization.CultureInfo.InvariantCulture) - DateTimeOffset.Parse((string)body["issuedAt"]!, System.Globalization.CultureInfo.InvariantCulture));
    }
}
