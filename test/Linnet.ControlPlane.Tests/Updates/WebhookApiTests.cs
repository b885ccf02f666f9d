using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Tests.Infrastructure;
using Linnet.ControlPlane.Updates;

namespace Linnet.ControlPlane.Tests.Updates;

/// <summary><c>POST /v1/webhooks/{kind}</c> on a real control plane: a push updates the Workloads whose Keel policy
/// accepts it; requests without the webhook credentials, and malformed payloads, are refused and change nothing.</summary>
public sealed class WebhookApiTests
{
    private const string Digest = "sha256:3333333333333333333333333333333333333333333333333333333333333333";
    private static readonly WebhookCredentials Credentials = new("registry", "hook-secret");

    [Fact]
    public async Task Native_NewerMinorTag_UpdatesOnlyWorkloadsWhosePolicyAcceptsIt()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await StartAsync(Credentials, ct);
        await cp.Store.CommitAsync([new PutChange(Workload("minor", "minor")), new PutChange(Workload("patch", "patch")), new PutChange(Workload("none", null))], ct);

        using var response = await PostAsync(cp, "native", $$"""{"name":"127.0.0.1:5000/shop/web","tag":"1.3.0","digest":"{{Digest}}"}""", Credentials, ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!;
        Assert.Equal("default/minor", body["updated"]![0]!["workload"]!.GetValue<string>());
        Assert.Single(body["updated"]!.AsArray());
        Assert.Equal($"127.0.0.1:5000/shop/web:1.3.0@{Digest}", ImageOf(cp, "minor"));
        Assert.Equal("127.0.0.1:5000/shop/web:1.2.0", ImageOf(cp, "patch"));
        Assert.Equal("127.0.0.1:5000/shop/web:1.2.0", ImageOf(cp, "none"));
    }

    [Fact]
    public async Task Quay_SameTagPushedTwice_SecondChangesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await StartAsync(Credentials, ct);
        await cp.Store.CommitAsync([new PutChange(Workload("minor", "minor"))], ct);

        using var first = await PostAsync(cp, "quay", """{"docker_url":"127.0.0.1:5000/shop/web","updated_tags":["1.4.0"]}""", Credentials, ct);
        var revision = cp.Store.Snapshot().Revision;
        using var again = await PostAsync(cp, "quay", """{"docker_url":"127.0.0.1:5000/shop/web","updated_tags":["1.4.0"]}""", Credentials, ct);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("127.0.0.1:5000/shop/web:1.4.0", ImageOf(cp, "minor"));
        Assert.Equal(revision, cp.Store.Snapshot().Revision);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("registry:wrong", HttpStatusCode.Unauthorized)]
    [InlineData("other:hook-secret", HttpStatusCode.Unauthorized)]
    public async Task Native_WithoutRightCredentials_RefusedNothingChanged(string? userPassword, HttpStatusCode status)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await StartAsync(Credentials, ct);
        await cp.Store.CommitAsync([new PutChange(Workload("minor", "minor"))], ct);
        var revision = cp.Store.Snapshot().Revision;
        var credentials = userPassword is null ? null : new WebhookCredentials(userPassword.Split(':')[0], userPassword.Split(':')[1]);

        using var response = await PostAsync(cp, "native", """{"name":"127.0.0.1:5000/shop/web","tag":"1.3.0"}""", credentials, ct);

        Assert.Equal(status, response.StatusCode);
        Assert.Contains("Basic", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal(revision, cp.Store.Snapshot().Revision);
    }

    [Fact]
    public async Task Native_WebhooksNotConfigured_Forbidden()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await StartAsync(null, ct);

        using var response = await PostAsync(cp, "native", """{"name":"127.0.0.1:5000/shop/web","tag":"1.3.0"}""", Credentials, ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("webhooks are off", await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("native", "application/json", """{"name":"127.0.0.1:5000/shop/web"}""", HttpStatusCode.BadRequest, "tag cannot be empty")]
    [InlineData("native", "application/json", """{"name":"127.0.0.1:5000/shop/web","tag":"1.3.0","digest":"sha256:zz"}""", HttpStatusCode.BadRequest, "is not a sha256 digest")]
    [InlineData("native", "application/json", "not json", HttpStatusCode.BadRequest, "not JSON")]
    [InlineData("native", "text/plain", """{"name":"127.0.0.1:5000/shop/web","tag":"1.3.0"}""", HttpStatusCode.UnsupportedMediaType, "application/json")]
    [InlineData("gitlab", "application/json", "{}", HttpStatusCode.NotFound, "no webhook 'gitlab'")]
    public async Task Post_BadRequest_RefusedWithReasonNothingChanged(string kind, string contentType, string payload, HttpStatusCode status, string reason)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await StartAsync(Credentials, ct);
        await cp.Store.CommitAsync([new PutChange(Workload("minor", "minor"))], ct);
        var revision = cp.Store.Snapshot().Revision;

        using var response = await PostAsync(cp, kind, payload, Credentials, ct, contentType);

        Assert.Equal(status, response.StatusCode);
        Assert.Contains(reason, JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(revision, cp.Store.Snapshot().Revision);
        Assert.Equal("127.0.0.1:5000/shop/web:1.2.0", ImageOf(cp, "minor"));
    }

    private static Task<TestControlPlane> StartAsync(WebhookCredentials? credentials, CancellationToken ct) =>
        TestControlPlane.StartAsync(ct, options: new ControlPlaneOptions { WebhookCredentials = credentials });

    private static async Task<HttpResponseMessage> PostAsync(TestControlPlane cp, string kind, string payload, WebhookCredentials? credentials, CancellationToken ct, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/webhooks/{kind}") { Content = new StringContent(payload, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        if (credentials is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials.User + ":" + credentials.Password)));
        }

        return await cp.Http.SendAsync(request, ct);
    }

    private static WorkloadResource Workload(string name, string? policy) => new()
    {
        Metadata = new ObjectMeta { Name = name, Annotations = policy is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["keel.sh/policy"] = policy } },
        Spec = new WorkloadSpec(1, "default", "", [], [], null, [8080], [], null) { Image = "127.0.0.1:5000/shop/web:1.2.0" },
    };

    private static string? ImageOf(TestControlPlane cp, string name) =>
        Assert.IsType<WorkloadResource>(cp.Store.Find(new ResourceKey(WorkloadResource.KindName, "default", name))).Spec.Image;
}
