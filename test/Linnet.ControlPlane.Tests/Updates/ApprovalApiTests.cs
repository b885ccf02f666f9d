using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Notifications;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Security;
using Linnet.ControlPlane.Tests.Infrastructure;
using Linnet.ControlPlane.Updates;
using Linnet.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Linnet.ControlPlane.Tests.Updates;

/// <summary>Keel's approvals (<c>keel.sh/approvals</c>, <c>/v1/approvals</c>) on a real control plane: a push waits
/// for N distinct voters (the callers' identities), the last vote runs exactly the approved digest, rejections and
/// expiries are recorded and notified, and every refusal has its status.</summary>
public sealed class ApprovalApiTests
{
    // Where a chat service\'s incoming webhook would be (a Slack-like path with its secret token).
    private const string ChatPath = "services/T000/B000/secret-token";

    private const string D1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private const string D2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
    private const string AliceToken = "alice-token-0123456789abcdef0123456789";
    private const string BobToken = "bob-token-0123456789abcdef0123456789ab";
    private static readonly WebhookCredentials Hook = new("registry", "hook-secret");

    [Fact]
    public async Task Push_TwoApprovalsRequired_WaitsThenRunsExactlyTheApprovedDigest()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var keel = await HookReceiver.StartAsync(ct);
        await using var cp = await StartAsync(keel.Url(ChatPath), null, null, ct);

        using var push = await PushAsync(cp, "1.3.0", D1, ct);
        var answer = JsonNode.Parse(await push.Content.ReadAsStringAsync(ct))!;
        Assert.Equal(HttpStatusCode.OK, push.StatusCode);
        Assert.Empty(answer["updated"]!.AsArray());
        Assert.Equal("workload/default/web:1.3.0", answer["approvals"]![0]!["identifier"]!.GetValue<string>());
        Assert.Equal("127.0.0.1:5000/shop/web:1.2.0", ImageOf(cp));

        // A new digest of the same tag while it waits: nothing changes, the approval keeps the digest it showed.
        using var again = await PushAsync(cp, "1.3.0", D2, ct);
        Assert.Empty(JsonNode.Parse(await again.Content.ReadAsStringAsync(ct))!["approvals"]!.AsArray());

        var listed = Assert.Single((await ListAsync(cp, cp.Http, ct)).AsArray())!;
        Assert.Equal(2, listed["votesRequired"]!.GetValue<int>());
        Assert.Equal(0, listed["votesReceived"]!.GetValue<int>());
        Assert.Equal("pending", listed["state"]!.GetValue<string>());
        Assert.False(listed["archived"]!.GetValue<bool>());
        Assert.Equal("1.2.0", listed["currentVersion"]!.GetValue<string>());
        Assert.Equal("1.3.0", listed["newVersion"]!.GetValue<string>());
        Assert.Equal(D1, listed["digest"]!.GetValue<string>());
        // Keel's default deadline: 24 hours after the request.
        Assert.Equal(TimeSpan.FromHours(24), DateTimeOffset.Parse(listed["deadline"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) - DateTimeOffset.Parse(listed["createdAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));
        var requested = (await keel.NextAsync(ct)).Body;
        Assert.Equal("approval required", requested["name"]!.GetValue<string>());

        using var alice = Client(cp, AliceToken);
        using var first = await VoteAsync(alice, """{"identifier":"workload/default/web:1.3.0","action":"approve"}""", ct);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(1, JsonNode.Parse(await first.Content.ReadAsStringAsync(ct))!["votesReceived"]!.GetValue<int>());
        Assert.Equal("127.0.0.1:5000/shop/web:1.2.0", ImageOf(cp));

        using var twice = await VoteAsync(alice, """{"identifier":"workload/default/web:1.3.0"}""", ct);
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        Assert.Contains("already approved", await twice.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);

        using var bob = Client(cp, BobToken);
        using var last = await VoteAsync(bob, $$"""{"id":"{{listed["id"]!.GetValue<string>()}}","action":"approve","voter":"bob"}""", ct);
        var decided = JsonNode.Parse(await last.Content.ReadAsStringAsync(ct))!;
        Assert.Equal(HttpStatusCode.OK, last.StatusCode);
        Assert.Equal("applied", decided["state"]!.GetValue<string>());
        Assert.True(decided["archived"]!.GetValue<bool>());
        Assert.Equal(["alice", "bob"], decided["voters"]!.AsObject().Select(v => v.Key).Order(StringComparer.Ordinal));
        Assert.Equal($"127.0.0.1:5000/shop/web:1.3.0@{D1}", ImageOf(cp));

        using var late = await VoteAsync(cp.Http, """{"identifier":"workload/default/web:1.3.0"}""", ct);
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
    }

    [Fact]
    public async Task Reject_RecordedNotifiedNotAskedAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var keel = await HookReceiver.StartAsync(ct);
        await using var cp = await StartAsync(keel.Url(ChatPath), null, null, ct);
        (await PushAsync(cp, "1.3.0", D1, ct)).Dispose();
        Assert.Equal("approval required", (await keel.NextAsync(ct)).Body["name"]!.GetValue<string>());

        using var alice = Client(cp, AliceToken);
        using var rejected = await VoteAsync(alice, """{"identifier":"workload/default/web:1.3.0","action":"reject"}""", ct);

        var body = JsonNode.Parse(await rejected.Content.ReadAsStringAsync(ct))!;
        Assert.Equal(HttpStatusCode.OK, rejected.StatusCode);
        Assert.True(body["rejected"]!.GetValue<bool>());
        Assert.Equal("rejected by alice", body["reason"]!.GetValue<string>());
        var told = (await keel.NextAsync(ct)).Body;
        Assert.Equal("approval rejected", told["name"]!.GetValue<string>());
        Assert.Contains("rejected by alice", told["message"]!.GetValue<string>(), StringComparison.Ordinal);

        using var vote = await VoteAsync(Client(cp, BobToken), """{"identifier":"workload/default/web:1.3.0"}""", ct);
        Assert.Equal(HttpStatusCode.Conflict, vote.StatusCode);
        using var repush = await PushAsync(cp, "1.3.0", D1, ct);
        Assert.Empty(JsonNode.Parse(await repush.Content.ReadAsStringAsync(ct))!["approvals"]!.AsArray());
        Assert.Equal("127.0.0.1:5000/shop/web:1.2.0", ImageOf(cp));
    }

    [Fact]
    public async Task Deadline_Passed_ExpiredRecordedAndNotified()
    {
        var ct = TestContext.Current.CancellationToken;
        var time = new FakeTimeProvider(TimeProvider.System.GetUtcNow());
        await using var keel = await HookReceiver.StartAsync(ct);
        await using var cp = await StartAsync(keel.Url(ChatPath), time, "2", ct);
        (await PushAsync(cp, "1.3.0", D1, ct)).Dispose();
        await keel.NextAsync(ct);
        var expiry = cp.Host.Services.GetRequiredService<ApprovalExpiry>();

        time.Advance(TimeSpan.FromHours(2) - TimeSpan.FromSeconds(1));
        Assert.Equal(0, await expiry.ExpireDueAsync(ct));
        Assert.Equal("pending", Assert.Single((await ListAsync(cp, cp.Http, ct)).AsArray())!["state"]!.GetValue<string>());

        // The expiry service's own timer (on the same clock) expires it once the deadline is reached.
        time.Advance(TimeSpan.FromSeconds(1));
        var told = (await keel.NextAsync(ct)).Body;
        Assert.Equal("approval expired", told["name"]!.GetValue<string>());
        var record = Assert.Single((await ListAsync(cp, cp.Http, ct)).AsArray())!;
        Assert.Equal("expired", record["state"]!.GetValue<string>());
        Assert.Contains("0/2", record["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        using var vote = await VoteAsync(Client(cp, AliceToken), """{"identifier":"workload/default/web:1.3.0"}""", ct);
        Assert.Equal(HttpStatusCode.Conflict, vote.StatusCode);
        Assert.Equal("127.0.0.1:5000/shop/web:1.2.0", ImageOf(cp));
    }

    [Theory]
    [InlineData("none", """{"identifier":"workload/default/web:1.3.0"}""", HttpStatusCode.Unauthorized, "authentication required")]
    [InlineData("wrong", """{"identifier":"workload/default/web:1.3.0"}""", HttpStatusCode.Forbidden, "not valid")]
    [InlineData("alice", "not json", HttpStatusCode.BadRequest, "not JSON")]
    [InlineData("alice", "[1]", HttpStatusCode.BadRequest, "must be a JSON object")]
    [InlineData("alice", """{"action":"approve"}""", HttpStatusCode.BadRequest, "identifier")]
    [InlineData("alice", """{"identifier":"workload/default/web:1.3.0","action":"merge"}""", HttpStatusCode.BadRequest, "is not approve, reject or delete")]
    [InlineData("alice", """{"identifier":7}""", HttpStatusCode.BadRequest, "identifier: must be a string")]
    [InlineData("alice", """{"identifier":"workload/default/web:1.3.0","voter":"bob"}""", HttpStatusCode.Forbidden, "cast as the caller")]
    [InlineData("alice", """{"identifier":"workload/default/web:9.9.9"}""", HttpStatusCode.NotFound, "not found")]
    [InlineData("alice", """{"identifier":"workload/default/web:1.3.0","action":"delete"}""", HttpStatusCode.Forbidden, "only the admin")]
    public async Task Post_Refused_StatusReasonNothingChanged(string caller, string body, HttpStatusCode status, string reason)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await StartAsync(null, null, null, ct);
        (await PushAsync(cp, "1.3.0", D1, ct)).Dispose();
        var revision = cp.Store.Revision;
        using var client = caller switch
        {
            "none" => new HttpClient { BaseAddress = cp.Http.BaseAddress },
            "wrong" => Client(cp, "wrong-token-0123456789abcdef0123456789"),
            _ => Client(cp, AliceToken),
        };

        using var response = await VoteAsync(client, body, ct);

        Assert.Equal(status, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Equal(revision, cp.Store.Revision);
    }

    [Fact]
    public async Task Approver_OtherEndpoints_Forbidden()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await StartAsync(null, null, null, ct);
        using var alice = Client(cp, AliceToken);

        using var resources = await alice.GetAsync("/api/v1/resources", ct);
        using var approvals = await alice.GetAsync("/v1/approvals", ct);

        Assert.Equal(HttpStatusCode.Forbidden, resources.StatusCode);
        Assert.Equal(HttpStatusCode.OK, approvals.StatusCode);
    }

    [Fact]
    public async Task Delete_Admin_RecordGoneAndAskedAgainAtTheNextPush()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await StartAsync(null, null, null, ct);
        (await PushAsync(cp, "1.3.0", D1, ct)).Dispose();
        (await VoteAsync(Client(cp, AliceToken), """{"identifier":"workload/default/web:1.3.0","action":"reject"}""", ct)).Dispose();

        using var deleted = await VoteAsync(cp.Http, """{"identifier":"workload/default/web:1.3.0","action":"delete"}""", ct);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Empty((await ListAsync(cp, cp.Http, ct)).AsArray());

        using var again = await PushAsync(cp, "1.3.0", D1, ct);
        Assert.Single(JsonNode.Parse(await again.Content.ReadAsStringAsync(ct))!["approvals"]!.AsArray());
    }

    private static async Task<TestControlPlane> StartAsync(Uri? keelWebhook, TimeProvider? time, string? deadlineHours, CancellationToken ct)
    {
        var options = new ControlPlaneOptions
        {
            WebhookCredentials = Hook,
            Approvers = ApproverCredentials.From([("alice", AliceToken), ("bob", BobToken)]),
            Notifications = keelWebhook is null ? NotificationConfig.None : new NotificationConfig([new NotificationTarget("keel", NotificationService.Webhook, keelWebhook, NotificationLevel.Info)]),
        };
        var cp = await TestControlPlane.StartAsync(ct, time is null ? null : s => s.AddSingleton(time), options: options);
        var annotations = new Dictionary<string, string> { ["keel.sh/policy"] = "minor", ["keel.sh/approvals"] = "2" };
        if (deadlineHours is not null)
        {
            annotations["keel.sh/approvalDeadline"] = deadlineHours;
        }

        await cp.Store.CommitAsync([new PutChange(new WorkloadResource
        {
            Metadata = new ObjectMeta { Name = "web", Annotations = annotations },
            Spec = new WorkloadSpec(1, "default", "", [], [], null, [8080], [], null) { Image = "127.0.0.1:5000/shop/web:1.2.0" },
        })], ct);
        return cp;
    }

    private static HttpClient Client(TestControlPlane cp, string token)
    {
        var client = new HttpClient { BaseAddress = cp.Http.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<HttpResponseMessage> PushAsync(TestControlPlane cp, string tag, string digest, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/webhooks/native") { Content = new StringContent($$"""{"name":"127.0.0.1:5000/shop/web","tag":"{{tag}}","digest":"{{digest}}"}""", Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("registry:hook-secret"u8));
        return await cp.Anonymous.SendAsync(request, ct);
    }

    private static Task<HttpResponseMessage> VoteAsync(HttpClient client, string body, CancellationToken ct) =>
        client.PostAsync("/v1/approvals", new StringContent(body, Encoding.UTF8, "application/json"), ct);

    private static async Task<JsonNode> ListAsync(TestControlPlane cp, HttpClient client, CancellationToken ct)
    {
        _ = cp;
        using var response = await client.GetAsync("/v1/approvals", ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!;
    }

    private static string? ImageOf(TestControlPlane cp) =>
        Assert.IsType<WorkloadResource>(cp.Store.Find(new ResourceKey(WorkloadResource.KindName, "default", "web"))).Spec.Image;
}
