using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Tests.Infrastructure;
using Linnet.ControlPlane.Updates;
using Linnet.Registry.Tests.Infrastructure;

namespace Linnet.ControlPlane.Tests.Updates;

/// <summary>The <c>registry</c>, <c>harbor</c>, <c>github</c> and <c>jfrog</c> webhooks on a real control plane;
/// the first fed by a real Docker distribution registry's notifications.</summary>
public sealed class RegistryNotificationTests
{
    private const string Digest = "sha256:4444444444444444444444444444444444444444444444444444444444444444";
    private static readonly WebhookCredentials Credentials = new("registry", "hook-secret");
    private static readonly string Basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("registry:hook-secret"));

    [Fact]
    public async Task Registry_RealRegistryNotifiesAPush_WorkloadMovesToThePushedDigest()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await TestControlPlane.StartAsync(ct, options: new ControlPlaneOptions { WebhookCredentials = Credentials });
        await using var registry = await RegistryServer.StartWithNotificationsAsync(new Uri($"http://{cp.Host.HttpEndPoint}/v1/webhooks/registry"), Basic);
        using var pusher = new RegistryPusher(registry.BaseUri);
        var commit = await cp.Store.CommitAsync([new PutChange(Workload("web", $"{registry.Host}/shop/web:1.2.0"))], ct);
        var pushed = TestImage.Script("one-three");

        await pusher.PushAsync("shop/web", "1.3.0", pushed);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        string? image = null;
        await foreach (var change in cp.Store.WatchAsync(commit.Revision, timeout.Token))
        {
            if (change.Resource is WorkloadResource { Metadata.Name: "web" } workload)
            {
                image = workload.Spec.Image;
                break;
            }
        }

        Assert.Equal($"{registry.Host}/shop/web:1.3.0@{pushed.Digest}", image);
    }

    [Theory]
    [InlineData("harbor", null, """{"type":"PUSH_ARTIFACT","event_data":{"resources":[{"digest":"DIGEST","tag":"1.3.0","resource_url":"127.0.0.1:5000/shop/web:1.3.0"}]}}""")]
    [InlineData("github", "package_v2", """{"action":"published","package":{"name":"web","namespace":"shop","ecosystem":"CONTAINER","package_version":{"container_metadata":{"tag":{"name":"1.3.0","digest":"DIGEST"}}}}}""")]
    [InlineData("jfrog", null, """{"domain":"docker","event_type":"pushed","data":{"image_name":"shop/web","tag":"1.3.0","sha256":"HEX"}}""")]
    public async Task Post_PushOfAWatchedImage_WorkloadUpdatedToTheDigest(string kind, string? githubEvent, string payload)
    {
        var ct = TestContext.Current.CancellationToken;
        var host = kind == "github" ? "ghcr.io" : "127.0.0.1:5000";
        await using var cp = await TestControlPlane.StartAsync(ct, options: new ControlPlaneOptions { WebhookCredentials = Credentials, JfrogRegistry = "127.0.0.1:5000" });
        await cp.Store.CommitAsync([new PutChange(Workload("web", $"{host}/shop/web:1.2.0"))], ct);

        using var response = await PostAsync(cp, kind, payload.Replace("DIGEST", Digest, StringComparison.Ordinal).Replace("HEX", Digest[7..], StringComparison.Ordinal), githubEvent, Basic, ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"{host}/shop/web:1.3.0@{Digest}", ImageOf(cp, "web"));
    }

    [Theory]
    [InlineData("registry", "application/vnd.docker.distribution.events.v1+json", null, """{"events":[{"action":"push","target":{"repository":"shop/B A D","tag":"1.3.0"},"request":{"host":"127.0.0.1:5000"}}]}""", HttpStatusCode.BadRequest)]
    [InlineData("harbor", "application/json", null, """{"type":"pushImage","event_data":{"resources":[{"resource_url":"127.0.0.1:5000/shop/web"}]}}""", HttpStatusCode.BadRequest)]
    [InlineData("github", "application/json", "package_v2", """{"package":{"name":"web","namespace":"shop","ecosystem":"NPM"}}""", HttpStatusCode.BadRequest)]
    [InlineData("github", "application/json", null, """{}""", HttpStatusCode.BadRequest)]
    [InlineData("jfrog", "application/json", null, """{"data":{"tag":"1.3.0"}}""", HttpStatusCode.BadRequest)]
    [InlineData("harbor", "application/vnd.docker.distribution.events.v1+json", null, """{}""", HttpStatusCode.UnsupportedMediaType)]
    public async Task Post_Malformed_RefusedNothingChanged(string kind, string contentType, string? githubEvent, string payload, HttpStatusCode status)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await TestControlPlane.StartAsync(ct, options: new ControlPlaneOptions { WebhookCredentials = Credentials });
        await cp.Store.CommitAsync([new PutChange(Workload("web", "127.0.0.1:5000/shop/web:1.2.0"))], ct);
        var revision = cp.Store.Revision;

        using var response = await PostAsync(cp, kind, payload, githubEvent, Basic, ct, contentType);

        Assert.Equal(status, response.StatusCode);
        Assert.False(string.IsNullOrEmpty(JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!["error"]!.GetValue<string>()));
        Assert.Equal(revision, cp.Store.Revision);
    }

    [Theory]
    [InlineData("registry")]
    [InlineData("harbor")]
    [InlineData("github")]
    [InlineData("jfrog")]
    public async Task Post_WithoutCredentials_UnauthorizedNothingChanged(string kind)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await TestControlPlane.StartAsync(ct, options: new ControlPlaneOptions { WebhookCredentials = Credentials });
        await cp.Store.CommitAsync([new PutChange(Workload("web", "127.0.0.1:5000/shop/web:1.2.0"))], ct);
        var revision = cp.Store.Revision;

        using var response = await PostAsync(cp, kind, """{"events":[{"action":"push","target":{"repository":"shop/web","tag":"1.3.0"},"request":{"host":"127.0.0.1:5000"}}]}""", "package_v2", null, ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(revision, cp.Store.Revision);
    }

    private static async Task<HttpResponseMessage> PostAsync(TestControlPlane cp, string kind, string payload, string? githubEvent, string? authorization, CancellationToken ct, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/webhooks/{kind}") { Content = new StringContent(payload, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        if (githubEvent is not null)
        {
            request.Headers.Add("X-GitHub-Event", githubEvent);
        }

        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        return await cp.Anonymous.SendAsync(request, ct);
    }

    private static WorkloadResource Workload(string name, string image) => new()
    {
        Metadata = new ObjectMeta { Name = name, Annotations = new Dictionary<string, string> { ["keel.sh/policy"] = "minor" } },
        Spec = new WorkloadSpec(1, "default", "", [], [], null, [8080], [], null) { Image = image },
    };

    private static string? ImageOf(TestControlPlane cp, string name) =>
        Assert.IsType<WorkloadResource>(cp.Store.Find(new ResourceKey(WorkloadResource.KindName, "default", name))).Spec.Image;
}
