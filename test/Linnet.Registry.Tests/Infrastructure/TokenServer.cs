using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Linnet.Registry.Tests.Infrastructure;

/// <summary>A small token server for the distribution token flow (docs: distribution "Token Authentication
/// Specification"): checks Basic credentials, answers <c>{"token": JWT}</c> signed with ES256 and the signing
/// certificate in <c>x5c</c>, which the registry verifies against the root bundle this server writes.</summary>
public sealed class TokenServer : IAsyncDisposable
{
    /// <summary>The service name the registry and the tokens agree on.</summary>
    public const string Service = "linnet-test-registry";

    /// <summary>The issuer the registry trusts.</summary>
    public const string Issuer = "linnet-test-issuer";

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _certificate;
    private readonly Microsoft.AspNetCore.Builder.WebApplication _app;
    private readonly string _user;
    private readonly string _password;

    private TokenServer(string user, string password)
    {
        _user = user;
        _password = password;
        var request = new CertificateRequest("CN=linnet test token issuer", _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        var now = TimeProvider.System.GetUtcNow();
        _certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));
        var builder = LoopbackWebHost.CreateBuilder();
        _app = builder.Build();
        _app.MapGet("/token", Issue);
    }

    /// <summary>Every token request: its query string and whether it carried the right credentials.</summary>
    public ConcurrentQueue<(string Query, bool Authenticated)> Requests { get; } = new();

    /// <summary>The realm URL.</summary>
    public string Realm { get; private set; } = "";

    /// <summary>Starts one accepting <paramref name="user"/>/<paramref name="password"/>.</summary>
    public static async Task<TokenServer> StartAsync(string user, string password)
    {
        var server = new TokenServer(user, password);
        var port = await LoopbackWebHost.StartAsync(server._app);
        server.Realm = $"http://127.0.0.1:{port}/token";
        return server;
    }

    /// <summary>Writes the root bundle for the registry's config into <paramref name="directory"/>.</summary>
    public string WriteCertificate(string directory)
    {
        var path = Path.Combine(directory, "token-root.pem");
        File.WriteAllText(path, _certificate.ExportCertificatePem() + "\n");
        return path;
    }

    /// <summary>A token for <paramref name="scope"/> with pull and push, for the test's own pushes.</summary>
    public string TokenFor(string repository) => Sign(repository, ["pull", "push"]);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await LoopbackWebHost.StopAsync(_app);
        _certificate.Dispose();
        _key.Dispose();
    }

    private IResult Issue(HttpContext context)
    {
        var authenticated = false;
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..]));
            authenticated = decoded == _user + ":" + _password;
        }

        Requests.Enqueue((context.Request.QueryString.Value ?? "", authenticated));
        if (!authenticated || context.Request.Query["service"] != Service)
        {
            return Results.Unauthorized();
        }

        // scope=repository:<name>:<actions>
        var scope = context.Request.Query["scope"].ToString().Split(':');
        if (scope.Length != 3 || scope[0] != "repository")
        {
            return Results.BadRequest();
        }

        return Results.Json(new { token = Sign(scope[1], scope[2].Split(',')), expires_in = 300 });
    }

    private string Sign(string repository, string[] actions)
    {
        var now = TimeProvider.System.GetUtcNow().ToUnixTimeSeconds();
        var header = new Dictionary<string, object> { ["alg"] = "ES256", ["typ"] = "JWT", ["x5c"] = new[] { Convert.ToBase64String(_certificate.RawData) } };
        var claims = new Dictionary<string, object>
        {
            ["iss"] = Issuer,
            ["sub"] = _user,
            ["aud"] = Service,
            ["exp"] = now + 300,
            ["nbf"] = now - 10,
            ["iat"] = now,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["access"] = new[] { new { type = "repository", name = repository, actions } },
        };
        var signingInput = Base64Url(JsonSerializer.SerializeToUtf8Bytes(header)) + "." + Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims));
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return signingInput + "." + Base64Url(signature);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
