using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Notifications;

namespace Linnet.ControlPlane.Core.Tests.Notifications;

/// <summary>Each service's payload has the shape its documentation gives for incoming webhooks; expected values
/// come from those documents and from Keel's level colours (keel-hq/keel types.Level.Color).</summary>
public sealed class NotificationFormatsTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 4, 3, 30, 0, TimeSpan.Zero);

    private static readonly Notification Updated = new("update resource", "Successfully updated Workload default/web 1.2.0->1.3.0", NotificationLevel.Success, At, "deployment update", "Workload", "default/web")
    {
        Fields = [new("New image", "registry:5000/web:1.3.0")],
    };

    [Fact]
    public void Format_Slack_TextAndAttachmentWithLevelColourFieldsAndChannel()
    {
        var target = new NotificationTarget("ops", NotificationService.Slack, new Uri("https://hooks.slack.com/services/T/B/x")) { Channel = "#deploys", Username = "linnet" };

        var json = NotificationFormats.Format(target, Updated);

        Assert.Equal("#deploys", json["channel"]!.GetValue<string>());
        Assert.Equal("linnet", json["username"]!.GetValue<string>());
        Assert.Equal("update resource: default/web", json["text"]!.GetValue<string>());
        var attachment = json["attachments"]![0]!;
        Assert.Equal("#00C853", attachment["color"]!.GetValue<string>());
        Assert.Equal("update resource", attachment["title"]!.GetValue<string>());
        Assert.Equal("Successfully updated Workload default/web 1.2.0-&gt;1.3.0", attachment["fallback"]!.GetValue<string>());
        Assert.Equal(1796355000L, attachment["ts"]!.GetValue<long>());
        var fields = attachment["fields"]!.AsArray();
        Assert.Contains(fields, f => f!["title"]!.GetValue<string>() == "New image" && f["value"]!.GetValue<string>() == "registry:5000/web:1.3.0" && f["short"]!.GetValue<bool>());
    }

    [Fact]
    public void Format_SlackMessageWithControlSequences_EscapedAsSlackDocuments()
    {
        var target = new NotificationTarget("ops", NotificationService.Slack, new Uri("https://hooks.slack.com/services/T/B/x"));
        var hostile = Updated with { Message = "<!channel> & <https://evil|click>" };

        var json = NotificationFormats.Format(target, hostile);

        Assert.Equal("&lt;!channel&gt; &amp; &lt;https://evil|click&gt;", json["attachments"]![0]!["text"]!.GetValue<string>());
    }

    [Fact]
    public void Format_SlackWithChannelOverride_OverrideWinsOverTargetChannel()
    {
        var target = new NotificationTarget("ops", NotificationService.Mattermost, new Uri("https://mm.example/hooks/x")) { Channel = "town-square" };

        var json = NotificationFormats.Format(target, Updated, "releases");

        Assert.Equal("releases", json["channel"]!.GetValue<string>());
        Assert.Equal("#00C853", json["attachments"]![0]!["color"]!.GetValue<string>());
    }

    [Fact]
    public void Format_RocketChat_AliasChannelAndAttachment()
    {
        var target = new NotificationTarget("rc", NotificationService.RocketChat, new Uri("https://rc.example/hooks/a/b")) { Channel = "#general", Username = "linnet" };

        var json = NotificationFormats.Format(target, Updated);

        Assert.Equal("linnet", json["alias"]!.GetValue<string>());
        Assert.Null(json["username"]);
        Assert.Equal("#general", json["channel"]!.GetValue<string>());
        Assert.Equal(Updated.Message, json["attachments"]![0]!["text"]!.GetValue<string>());
        Assert.Equal("#00C853", json["attachments"]![0]!["color"]!.GetValue<string>());
    }

    [Fact]
    public void Format_Teams_AdaptiveCardInMessageAttachment()
    {
        var target = new NotificationTarget("teams", NotificationService.MSTeams, new Uri("https://example.webhook.office.com/webhookb2/x"));

        var json = NotificationFormats.Format(target, Updated with { Level = NotificationLevel.Error });

        Assert.Equal("message", json["type"]!.GetValue<string>());
        var attachment = json["attachments"]![0]!;
        Assert.Equal("application/vnd.microsoft.card.adaptive", attachment["contentType"]!.GetValue<string>());
        var card = attachment["content"]!;
        Assert.Equal("AdaptiveCard", card["type"]!.GetValue<string>());
        var body = card["body"]!.AsArray();
        Assert.Equal("update resource", body[0]!["text"]!.GetValue<string>());
        Assert.Equal("Attention", body[0]!["color"]!.GetValue<string>());
        Assert.Equal(Updated.Message, body[1]!["text"]!.GetValue<string>());
        Assert.Contains(body[2]!["facts"]!.AsArray(), f => f!["title"]!.GetValue<string>() == "New image");
    }

    [Fact]
    public void Format_Discord_EmbedWithIntegerColourAndNoMentions()
    {
        var target = new NotificationTarget("d", NotificationService.Discord, new Uri("https://discord.com/api/webhooks/1/x")) { Username = "linnet" };

        var json = NotificationFormats.Format(target, Updated);

        var embed = json["embeds"]![0]!;
        Assert.Equal(0x00C853, embed["color"]!.GetValue<int>());
        Assert.Equal("update resource", embed["title"]!.GetValue<string>());
        Assert.Equal(Updated.Message, embed["description"]!.GetValue<string>());
        Assert.Equal("2026-12-04T03:30:00.000Z", embed["timestamp"]!.GetValue<string>());
        Assert.Contains(embed["fields"]!.AsArray(), f => f!["name"]!.GetValue<string>() == "New image" && f["inline"]!.GetValue<bool>());
        Assert.Empty(json["allowed_mentions"]!["parse"]!.AsArray());
        Assert.Equal("linnet", json["username"]!.GetValue<string>());
    }

    [Fact]
    public void Format_DiscordLongDescription_CutToDiscordsLimit()
    {
        var target = new NotificationTarget("d", NotificationService.Discord, new Uri("https://discord.com/api/webhooks/1/x"));

        var json = NotificationFormats.Format(target, Updated with { Message = new string('x', 5000) });

        Assert.Equal(4096, json["embeds"]![0]!["description"]!.GetValue<string>().Length);
    }

    [Fact]
    public void Format_GoogleChat_TextWithBoldTitle()
    {
        var target = new NotificationTarget("g", NotificationService.GoogleChat, new Uri("https://chat.googleapis.com/v1/spaces/x/messages?key=k&token=t"));

        var json = NotificationFormats.Format(target, Updated);

        var text = json["text"]!.GetValue<string>();
        Assert.StartsWith("*update resource*: default/web\n" + Updated.Message, text, StringComparison.Ordinal);
        Assert.Contains("New image: registry:5000/web:1.3.0", text, StringComparison.Ordinal);
        Assert.Single(json);
    }

    [Fact]
    public void Format_Webhook_KeelsNotificationBody()
    {
        var target = new NotificationTarget("w", NotificationService.Webhook, new Uri("http://127.0.0.1:9/hook"));

        var json = NotificationFormats.Format(target, Updated with { Type = "preparing deployment update", Level = NotificationLevel.Debug });

        Assert.Equal("update resource", json["name"]!.GetValue<string>());
        Assert.Equal(Updated.Message, json["message"]!.GetValue<string>());
        Assert.Equal("preparing deployment update", json["type"]!.GetValue<string>());
        Assert.Equal("debug", json["level"]!.GetValue<string>());
        Assert.Equal(At, DateTimeOffset.Parse(json["createdAt"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("Workload", json["resourceKind"]!.GetValue<string>());
        Assert.Equal("default/web", json["identifier"]!.GetValue<string>());
        Assert.Equal("registry:5000/web:1.3.0", json["metadata"]!["New image"]!.GetValue<string>());
    }

    [Fact]
    public void Email_SubjectOneLineBodyHasMessageAndFacts()
    {
        var content = NotificationFormats.Email(Updated with { Name = "update\r\nBcc: x@evil" });

        Assert.DoesNotContain('\n', content.Subject);
        Assert.DoesNotContain('\r', content.Subject);
        Assert.StartsWith("[success] update", content.Subject, StringComparison.Ordinal);
        Assert.StartsWith(Updated.Message, content.Body, StringComparison.Ordinal);
        Assert.Contains("New image: registry:5000/web:1.3.0", content.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("debug", NotificationLevel.Debug)]
    [InlineData("INFO", NotificationLevel.Info)]
    [InlineData("warning", NotificationLevel.Warn)]
    [InlineData("fatal", NotificationLevel.Fatal)]
    public void TryParse_KeelLevelNames_Parsed(string text, NotificationLevel level)
    {
        Assert.True(NotificationLevels.TryParse(text, out var parsed));
        Assert.Equal(level, parsed);
    }
}
