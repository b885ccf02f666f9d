using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Notifications;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Tests.Infrastructure;
using Linnet.ControlPlane.Updates;
using Linnet.Testing;

namespace Linnet.ControlPlane.Tests.Updates;

/// <summary>An <c>ImagePolicy</c> applied through the API drives a Workload's updates exactly as the same
/// <c>keel.sh/*</c> annotations would (the policy's rules, its approvals, its <c>notify</c> channels); an
/// ImagePolicy and annotations on the same Workload are refused on apply with the reason, nothing applied.</summary>
public sealed class ImagePolicyApiTests
{
    // Where a chat service\'s incoming webhook would be (a Slack-like path with its secret token).
    private const string ChatPath = "services/T000/B000/secret-token";

    private const string Digest = "sha256:3333333333333333333333333333333333333333333333333333333333333333";
    private static readonly WebhookCredentials Credentials = new("registry", "hook-secret");

    private const string Web = """
        apiVersion: linnet.io/v1alpha1
        kind: Workload
        metadata: { name: web }
        spec: { image: "127.0.0.1:5000/shop/web:1.2.0", ports: [8080] }

        """;

    private const string Policy = """
        apiVersion: linnet.io/v1alpha1
        kind: ImagePolicy
        metadata: { name: web-updates }
        spec:
          targetRef: { kind: Workload, name: web }
          policy: minor
          notify: ["#deploys"]

        """;

    [Fact]
    public async Task Push_WorkloadTargetedByAnImagePolicy_UpdatedByItsRulesAndNotifiedInItsChannel()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var slack = await HookReceiver.StartAsync(ct);
        await using var cp = await TestControlPlane.StartAsync(ct, options: new ControlPlaneOptions
        {
            WebhookCredentials = Credentials,
            Notifications = new NotificationConfig([new NotificationTarget("slack", NotificationService.Slack, slack.Url(ChatPath), NotificationLevel.Success) { Channel = "#general" }]),
        });
        await cp.ApplyOkAsync(Web + "---\n" + Policy, ct);

        // A major version is outside the policy: nothing moves.
        using (var major = await NativeAsync(cp, "2.0.0", ct))
        {
            Assert.Empty(JsonNode.Parse(await major.Content.ReadAsStringAsync(ct))!["updated"]!.AsArray());
        }

        using (var minor = await NativeAsync(cp, "1.3.0", ct))
        {
            Assert.Equal("default/web", JsonNode.Parse(await minor.Content.ReadAsStringAsync(ct))!["updated"]![0]!["workload"]!.GetValue<string>());
        }

        Assert.Equal($"127.0.0.1:5000/shop/web:1.3.0@{Digest}", ImageOf(cp));
        var told = (await slack.NextAsync(ct)).Body;
        Assert.Equal("#deploys", told["channel"]!.GetValue<string>());
        Assert.Equal("update resource", told["attachments"]![0]!["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task Push_ImagePolicyAsksForApprovals_WaitsForThem()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await TestControlPlane.StartAsync(ct, options: new ControlPlaneOptions { WebhookCredentials = Credentials });
        await cp.ApplyOkAsync(Web + "---\n" + Policy.Replace("policy: minor", "policy: minor\n  approvals: 1\n  approvalDeadline: 2", StringComparison.Ordinal), ct);

        using var response = await NativeAsync(cp, "1.3.0", ct);

        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!;
        Assert.Empty(body["updated"]!.AsArray());
        Assert.Equal("127.0.0.1:5000/shop/web:1.2.0", ImageOf(cp));
        var approval = Assert.Single(cp.Store.Snapshot().OfKind<ApprovalResource>());
        Assert.Equal(1, approval.Spec.VotesRequired);
        Assert.Equal(approval.Spec.CreatedAt + TimeSpan.FromHours(2), approval.Spec.Deadline);
        Assert.Equal($"127.0.0.1:5000/shop/web:1.3.0@{Digest}", approval.Spec.NewImage);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Apply_ImagePolicyAndKeelAnnotationsOnOneWorkload_RefusedNothingApplied(bool together)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await TestControlPlane.StartAsync(ct);
        var annotated = Web.Replace("metadata: { name: web }", "metadata: { name: web, annotations: { keel.sh/policy: patch } }", StringComparison.Ordinal);
        if (!together)
        {
            await cp.ApplyOkAsync(Policy, ct);
        }

        var revision = cp.Store.Revision;

        var (status, body) = await cp.ApplyAsync(together ? annotated + "---\n" + Policy : annotated, ct);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Contains("Workload default/web has annotation keel.sh/policy and ImagePolicy default/web-updates targets it", body["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(revision, cp.Store.Revision);
        Assert.Null(cp.Store.Find(new ResourceKey(WorkloadResource.KindName, "default", "web")));
    }

    private static async Task<HttpResponseMessage> NativeAsync(TestControlPlane cp, string tag, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/webhooks/native") { Content = new StringContent($$"""{"name":"127.0.0.1:5000/shop/web","tag":"{{tag}}","digest":"{{Digest}}"}""", Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("registry:hook-secret")));
        var response = await cp.Anonymous.SendAsync(request, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response;
    }

    private static string? ImageOf(TestControlPlane cp) =>
        Assert.IsType<WorkloadResource>(cp.Store.Find(new ResourceKey(WorkloadResource.KindName, "default", "web"))).Spec.Image;
}
