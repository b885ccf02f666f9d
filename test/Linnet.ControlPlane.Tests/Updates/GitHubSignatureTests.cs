using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Tests.Infrastructure;
using Linnet.ControlPlane.Updates;

namespace Linnet.ControlPlane.Tests.Updates;

/// <summary>GitHub's webhook signature (<c>X-Hub-Signature-256</c>, HMAC-SHA256 of the body with the webhook's
/// secret, GitHub's "Validating webhook deliveries"): with the secret configured, the github webhook takes only a
/// delivery carrying the right signature of its exact body.</summary>
public sealed class GitHubSignatureTests
{
    private const string Secret = "a-github-webhook-secret";
    private const string Digest = "sha256:5555555555555555555555555555555555555555555555555555555555555555";
    private const string Payload = """{"action":"published","package":{"name":"web","namespace":"shop","ecosystem":"CONTAINER","package_version":{"container_metadata":{"tag":{"name":"1.3.0","digest":"sha256:5555555555555555555555555555555555555555555555555555555555555555"}}}}}""";

    [Fact]
    public void Verify_GitHubDocumentedExample_Accepted()
    {
        // The test values of GitHub's documentation ("Testing the webhook payload validation").
        var secret = new GitHubWebhookSecret("It's a Secret to Everybody");

        Assert.True(secret.Verify("Hello, World!"u8, "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"));
        Assert.False(secret.Verify("Hello, World?"u8, "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"));
        Assert.False(secret.Verify("Hello, World!"u8, "sha1=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"));
    }

    [Fact]
    public async Task Github_RightSignature_WorkloadUpdatedToTheDigest()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await StartAsync(ct);

        using var response = await PostAsync(cp, Payload, Sign(Secret, Payload), ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"ghcr.io/shop/web:1.3.0@{Digest}", ImageOf(cp));
    }

    [Theory]
    [InlineData("none")]
    [InlineData("wrong-secret")]
    [InlineData("tampered-body")]
    [InlineData("not-hex")]
    [InlineData("sha1")]
    [InlineData("basic-only")]
    public async Task Github_SignatureMissingOrWrong_UnauthorizedNothingChanged(string variant)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await StartAsync(ct);
        var revision = cp.Store.Revision;
        var signature = variant switch
        {
            "wrong-secret" => Sign("another-secret-entirely", Payload),
            "tampered-body" => Sign(Secret, Payload.Replace("1.3.0", "1.4.0", StringComparison.Ordinal)),
            "not-hex" => "sha256=" + new string('z', 64),
            "sha1" => "sha1=" + Sign(Secret, Payload)["sha256=".Length..][..40],
            _ => null,
        };

        using var response = await PostAsync(cp, Payload, signature, ct, basic: variant == "basic-only");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("X-Hub-Signature-256", await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Equal(revision, cp.Store.Revision);
        Assert.Equal("ghcr.io/shop/web:1.2.0", ImageOf(cp));
    }

    [Fact]
    public async Task Native_GitHubSecretConfigured_StillNeedsBasicCredentials()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await StartAsync(ct);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/webhooks/native") { Content = new StringContent("""{"name":"ghcr.io/shop/web","tag":"1.3.0"}""", Encoding.UTF8, "application/json") };
        request.Headers.Add(GitHubWebhookSecret.Header, Sign(Secret, """{"name":"ghcr.io/shop/web","tag":"1.3.0"}"""));

        using var response = await cp.Anonymous.SendAsync(request, ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("ghcr.io/shop/web:1.2.0", ImageOf(cp));
    }

    [Fact]
    public void FromFile_ReadableByOthers_Refused()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, Secret);
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

            var ex = Assert.Throws<InvalidOperationException>(() => GitHubWebhookSecret.FromFile(path));

            Assert.Contains("chmod 600", ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(Secret, new GitHubWebhookSecret(Secret).ToString(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string Sign(string secret, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)));

    private static async Task<TestControlPlane> StartAsync(CancellationToken ct)
    {
        var cp = await TestControlPlane.StartAsync(ct, options: new ControlPlaneOptions
        {
            WebhookCredentials = new WebhookCredentials("registry", "hook-secret"),
            GitHubWebhookSecret = new GitHubWebhookSecret(Secret),
        });
        await cp.Store.CommitAsync([new PutChange(new WorkloadResource
        {
            Metadata = new ObjectMeta { Name = "web", Annotations = new Dictionary<string, string> { ["keel.sh/policy"] = "minor" } },
            Spec = new WorkloadSpec(1, "default", "", [], [], null, [8080], [], null) { Image = "ghcr.io/shop/web:1.2.0" },
        })], ct);
        return cp;
    }

    private static async Task<HttpResponseMessage> PostAsync(TestControlPlane cp, string payload, string? signature, CancellationToken ct, bool basic = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/webhooks/github") { Content = new StringContent(payload, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-GitHub-Event", "package_v2");
        if (signature is not null)
        {
            request.Headers.Add(GitHubWebhookSecret.Header, signature);
        }

        if (basic)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("registry:hook-secret"u8));
        }

        return await cp.Anonymous.SendAsync(request, ct);
    }

    private static string? ImageOf(TestControlPlane cp) =>
        Assert.IsType<WorkloadResource>(cp.Store.Find(new ResourceKey(WorkloadResource.KindName, "default", "web"))).Spec.Image;
}
