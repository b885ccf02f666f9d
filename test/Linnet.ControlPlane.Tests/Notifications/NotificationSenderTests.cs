using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Linnet.ControlPlane.Core.Notifications;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Notifications;
using Linnet.ControlPlane.Tests.Infrastructure;
using Linnet.ControlPlane.Updates;
using Linnet.Testing;

namespace Linnet.ControlPlane.Tests.Notifications;

/// <summary>Notifications reach real receivers: chat-service webhooks on loopback get their service's format, a
/// real SMTP server (aiosmtpd) gets the e-mail; levels filter, <c>keel.sh/notify</c> picks the channels, failed
/// deliveries are retried, and the webhook URL's secret never reaches the log.</summary>
public sealed class NotificationSenderTests
{
    // Where a chat service\'s incoming webhook would be (a Slack-like path with its secret token).
    private const string ChatPath = "services/T000/B000/secret-token";

    private static readonly DateTimeOffset At = new(2026, 12, 4, 3, 30, 0, TimeSpan.Zero);
    private static readonly Notification Updated = new("update resource", "Successfully updated Workload default/web", NotificationLevel.Success, At, "deployment update", "Workload", "default/web");

    [Fact]
    public async Task WebhookPush_WorkloadWithNotify_EachTargetGetsItsFormatAtItsLevelInTheChosenChannels()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var slack = await HookReceiver.StartAsync(ct);
        await using var teams = await HookReceiver.StartAsync(ct);
        await using var keel = await HookReceiver.StartAsync(ct);
        var config = new NotificationConfig(
        [
            new NotificationTarget("slack", NotificationService.Slack, slack.Url(ChatPath)) { Channel = "#general" },
            new NotificationTarget("teams", NotificationService.MSTeams, teams.Url(ChatPath), NotificationLevel.Success),
            new NotificationTarget("keel", NotificationService.Webhook, keel.Url(ChatPath), NotificationLevel.Debug),
        ]);
        var credentials = new WebhookCredentials("registry", "hook-secret");
        await using var cp = await TestControlPlane.StartAsync(ct, options: new ControlPlaneOptions { WebhookCredentials = credentials, Notifications = config });
        await cp.Store.CommitAsync([new PutChange(new WorkloadResource
        {
            Metadata = new ObjectMeta { Name = "web", Annotations = new Dictionary<string, string> { ["keel.sh/policy"] = "minor", ["keel.sh/notify"] = "#deploys, #ops" } },
            Spec = new WorkloadSpec(1, "default", "", [], [], null, [8080], [], null) { Image = "127.0.0.1:5000/shop/web:1.2.0" },
        })], ct);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/webhooks/native") { Content = new StringContent("""{"name":"127.0.0.1:5000/shop/web","tag":"1.3.0"}""", Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("registry:hook-secret")));
        using var response = await cp.Anonymous.SendAsync(request, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // Keel's webhook at debug: "preparing" first, then the update, in Keel's body.
        var preparing = (await keel.NextAsync(ct)).Body;
        Assert.Equal("preparing deployment update", preparing["type"]!.GetValue<string>());
        Assert.Equal("debug", preparing["level"]!.GetValue<string>());
        var done = await keel.NextAsync(ct);
        Assert.Equal("application/json", done.Headers["Content-Type"].Split(';')[0]);
        Assert.Equal("update resource", done.Body["name"]!.GetValue<string>());
        Assert.Equal("success", done.Body["level"]!.GetValue<string>());
        Assert.Equal("default/web", done.Body["identifier"]!.GetValue<string>());
        Assert.Contains("1.2.0->127.0.0.1:5000/shop/web:1.3.0", done.Body["message"]!.GetValue<string>(), StringComparison.Ordinal);

        // Slack at info: only the update (not the debug step), once per keel.sh/notify channel, none to #general.
        var first = await slack.NextAsync(ct);
        var second = await slack.NextAsync(ct);
        Assert.Equal(ChatPath, first.Path);
        Assert.Equal(["#deploys", "#ops"], new[] { first.Body["channel"]!.GetValue<string>(), second.Body["channel"]!.GetValue<string>() });
        Assert.Equal("update resource", first.Body["attachments"]![0]!["title"]!.GetValue<string>());
        Assert.Equal(0, slack.Pending);

        // Teams at success: the update once, as an Adaptive Card (a Teams webhook names no channel).
        var card = (await teams.NextAsync(ct)).Body;
        Assert.Equal("application/vnd.microsoft.card.adaptive", card["attachments"]![0]!["contentType"]!.GetValue<string>());
        Assert.Equal(0, teams.Pending);
    }

    [Fact]
    public async Task SendAsync_ServiceFailsTwice_DeliveredOnTheThirdAttempt()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var discord = await HookReceiver.StartAsync(ct);
        discord.Queue(ChatPath, 500, 503);
        var target = new NotificationTarget("discord", NotificationService.Discord, discord.Url(ChatPath));
        using var sender = new NotificationSender(new ControlPlaneOptions(), TimeProvider.System, new ListLogger<NotificationSender>());

        var failed = await sender.SendAsync([target], Updated, ct);

        Assert.Empty(failed);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("update resource", (await discord.NextAsync(ct)).Body["embeds"]![0]!["title"]!.GetValue<string>());
        }
    }

    [Theory]
    // Where each service's incoming-webhook document puts the title (Slack and Mattermost attachments, Rocket.Chat
    // attachments, a Teams Adaptive Card, a Discord embed, Google Chat's text with *bold*, Keel's "name").
    [InlineData(NotificationService.Slack, "attachments/0/title", "update resource")]
    [InlineData(NotificationService.Mattermost, "attachments/0/title", "update resource")]
    [InlineData(NotificationService.RocketChat, "attachments/0/title", "update resource")]
    [InlineData(NotificationService.MSTeams, "attachments/0/contentType", "application/vnd.microsoft.card.adaptive")]
    [InlineData(NotificationService.Discord, "embeds/0/title", "update resource")]
    [InlineData(NotificationService.GoogleChat, "text", "*update resource*")]
    [InlineData(NotificationService.Webhook, "name", "update resource")]
    public async Task SendAsync_EachChatService_LocalReceiverGetsJsonInThatServicesShape(NotificationService service, string path, string expected)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var receiver = await HookReceiver.StartAsync(ct);
        using var sender = new NotificationSender(new ControlPlaneOptions(), TimeProvider.System, new ListLogger<NotificationSender>());

        Assert.Empty(await sender.SendAsync([new NotificationTarget("chat", service, receiver.Url(ChatPath))], Updated, ct));

        var received = await receiver.NextAsync(ct);
        Assert.Equal("application/json", received.Headers["Content-Type"].Split(';')[0]);
        System.Text.Json.Nodes.JsonNode? node = received.Body;
        foreach (var part in path.Split('/'))
        {
            node = int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index) ? node?[index] : node?[part];
        }

        Assert.StartsWith(expected, node?.GetValue<string>() ?? "(missing)", StringComparison.Ordinal);
        Assert.Equal(0, receiver.Pending);
    }

    [Fact]
    public async Task SendAsync_ServiceKeepsFailing_ReportedAndLoggedWithoutTheUrl()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var chat = await HookReceiver.StartAsync(ct);
        chat.Queue(ChatPath, 500, 500, 500);
        var target = new NotificationTarget("gchat", NotificationService.GoogleChat, chat.Url(ChatPath));
        var logger = new ListLogger<NotificationSender>();
        using var sender = new NotificationSender(new ControlPlaneOptions(), TimeProvider.System, logger);

        var failed = await sender.SendAsync([target], Updated, ct);

        Assert.Equal(["gchat"], failed);
        var line = Assert.Single(logger.Messages);
        Assert.Contains("HTTP 500", line, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_BelowTheTargetsLevel_NothingSent()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var hook = await HookReceiver.StartAsync(ct);
        var quiet = new NotificationTarget("errors-only", NotificationService.Webhook, hook.Url(ChatPath), NotificationLevel.Error);
        var all = new NotificationTarget("all", NotificationService.Webhook, hook.Url(ChatPath), NotificationLevel.Debug);
        using var sender = new NotificationSender(new ControlPlaneOptions(), TimeProvider.System, new ListLogger<NotificationSender>());

        Assert.Empty(await sender.SendAsync([quiet, all], Updated, ct));

        Assert.Equal("success", (await hook.NextAsync(ct)).Body["level"]!.GetValue<string>());
        Assert.Equal(0, hook.Pending);
    }

    [Fact]
    public async Task SendAsync_Email_RealSmtpServerReceivesIt()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var smtp = await SmtpServer.StartAsync(ct);
        var target = new NotificationTarget("mail", NotificationService.Email, null)
        {
            Email = new EmailSettings("127.0.0.1", smtp.Port, SmtpSecurity.None, null, null, "linnet@example.com", ["ops@example.com", "dev@example.com"]),
        };
        var logger = new ListLogger<NotificationSender>();
        using var sender = new NotificationSender(new ControlPlaneOptions(), TimeProvider.System, logger);

        var failed = await sender.SendAsync([target], Updated with { Fields = [new("New image", "web:1.3.0")] }, ct);

        Assert.True(failed.Count == 0, string.Join("\n", logger.Messages));
        var message = Assert.Single(smtp.Messages());
        Assert.Contains("From: linnet@example.com", message, StringComparison.Ordinal);
        Assert.Contains("To: ops@example.com, dev@example.com", message, StringComparison.Ordinal);
        Assert.Contains("Subject: [success] update resource: default/web", message, StringComparison.Ordinal);
        Assert.Contains("Successfully updated Workload default/web", message, StringComparison.Ordinal);
        Assert.Contains("New image: web:1.3.0", message, StringComparison.Ordinal);
    }
}
