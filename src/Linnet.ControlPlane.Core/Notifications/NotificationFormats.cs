using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Linnet.ControlPlane.Core.Notifications;

/// <summary>Renders a <see cref="Notification"/> as each service's incoming-webhook payload, as the service
/// documents it: Slack (text + attachments), Mattermost (Slack-compatible), Rocket.Chat (text, alias,
/// attachments), Microsoft Teams (an Adaptive Card in a message), Discord (embeds), Google Chat (text), and
/// Keel's generic webhook body. Pure: no I/O, the same input gives the same JSON.</summary>
public static class NotificationFormats
{
    /// <summary>What a message is signed with.</summary>
    public const string Footer = "Linnet";

    /// <summary>The JSON body for <paramref name="target"/> (not an e-mail target), posted to
    /// <paramref name="channel"/> when the service names channels (null: the target's own).</summary>
    public static JsonObject Format(NotificationTarget target, Notification notification, string? channel = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(notification);
        channel ??= target.Channel;
        return target.Service switch
        {
            NotificationService.Slack => Slack(notification, channel, target.Username, slackEscape: true, timestamp: true),
            NotificationService.Mattermost => Slack(notification, channel, target.Username, slackEscape: false, timestamp: false),
            NotificationService.RocketChat => RocketChat(notification, channel, target.Username),
            NotificationService.MSTeams => Teams(notification),
            NotificationService.Discord => Discord(notification, target.Username),
            NotificationService.GoogleChat => GoogleChat(notification),
            NotificationService.Webhook => Keel(notification),
            _ => throw new ArgumentException($"{target.Service} is not a webhook service", nameof(target)),
        };
    }

    /// <summary>The e-mail for <paramref name="notification"/>: a one-line subject and a plain-text body.</summary>
    public static EmailContent Email(Notification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var subject = OneLine($"[{NotificationLevels.Name(notification.Level)}] {notification.Name}: {notification.Identifier}");
        var body = new StringBuilder();
        body.Append(notification.Message).Append("\n\n");
        foreach (var (name, value) in Facts(notification))
        {
            body.Append(name).Append(": ").Append(value).Append('\n');
        }

        body.Append("\n-- \n").Append(Footer).Append('\n');
        return new EmailContent(subject, body.ToString());
    }

    // Keel's generic webhook body (keel-hq/keel types.EventNotification): name, message, createdAt, type and
    // level as Keel's strings, resourceKind, identifier, metadata.
    private static JsonObject Keel(Notification n)
    {
        var metadata = new JsonObject();
        foreach (var (key, value) in n.Fields)
        {
            metadata[key] = value;
        }

        return new JsonObject
        {
            ["name"] = n.Name,
            ["message"] = n.Message,
            ["createdAt"] = n.CreatedAt.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", CultureInfo.InvariantCulture),
            ["type"] = n.Type,
            ["level"] = NotificationLevels.Name(n.Level),
            ["resourceKind"] = n.ResourceKind,
            ["identifier"] = n.Identifier,
            ["metadata"] = metadata,
        };
    }

    // Slack's incoming webhook (api.slack.com/messaging/webhooks, "attachments" legacy fields) and Mattermost's,
    // which takes the same payload. Slack's control characters &, <, > are escaped as Slack documents, so a
    // message cannot mention @channel or forge a link.
    private static JsonObject Slack(Notification n, string? channel, string? username, bool slackEscape, bool timestamp)
    {
        string E(string s) => slackEscape ? SlackEscape(s) : s;
        var fields = new JsonArray();
        foreach (var (name, value) in Facts(n))
        {
            fields.Add(new JsonObject { ["title"] = E(name), ["value"] = E(value), ["short"] = true });
        }

        var attachment = new JsonObject
        {
            ["fallback"] = E(n.Message),
            ["color"] = NotificationLevels.Color(n.Level),
            ["title"] = E(n.Name),
            ["text"] = E(n.Message),
            ["fields"] = fields,
            ["footer"] = Footer,
        };
        if (timestamp)
        {
            attachment["ts"] = n.CreatedAt.ToUnixTimeSeconds();
        }

        var message = new JsonObject { ["text"] = E($"{n.Name}: {n.Identifier}"), ["attachments"] = new JsonArray(attachment) };
        if (channel is not null)
        {
            message["channel"] = channel;
        }

        if (username is not null)
        {
            message["username"] = username;
        }

        return message;
    }

    // Rocket.Chat's incoming webhook (docs.rocket.chat, "Incoming webhook"): text, alias, channel, attachments
    // with title, text, color and fields {short, title, value}.
    private static JsonObject RocketChat(Notification n, string? channel, string? username)
    {
        var fields = new JsonArray();
        foreach (var (name, value) in Facts(n))
        {
            fields.Add(new JsonObject { ["short"] = true, ["title"] = name, ["value"] = value });
        }

        var message = new JsonObject
        {
            ["text"] = $"{n.Name}: {n.Identifier}",
            ["attachments"] = new JsonArray(new JsonObject { ["title"] = n.Name, ["text"] = n.Message, ["color"] = NotificationLevels.Color(n.Level), ["fields"] = fields }),
        };
        if (channel is not null)
        {
            message["channel"] = channel;
        }

        if (username is not null)
        {
            message["alias"] = username;
        }

        return message;
    }

    // Microsoft Teams: a message whose attachment is an Adaptive Card (learn.microsoft.com, "Create Incoming
    // Webhooks" / Workflows: "Send Adaptive Cards using an Incoming Webhook").
    private static JsonObject Teams(Notification n)
    {
        var facts = new JsonArray();
        foreach (var (name, value) in Facts(n))
        {
            facts.Add(new JsonObject { ["title"] = name, ["value"] = value });
        }

        var color = n.Level switch
        {
            NotificationLevel.Success => "Good",
            NotificationLevel.Warn => "Warning",
            NotificationLevel.Error or NotificationLevel.Fatal => "Attention",
            _ => "Default",
        };
        var card = new JsonObject
        {
            ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
            ["type"] = "AdaptiveCard",
            ["version"] = "1.4",
            ["body"] = new JsonArray(
                new JsonObject { ["type"] = "TextBlock", ["text"] = n.Name, ["weight"] = "Bolder", ["size"] = "Medium", ["color"] = color, ["wrap"] = true },
                new JsonObject { ["type"] = "TextBlock", ["text"] = n.Message, ["wrap"] = true },
                new JsonObject { ["type"] = "FactSet", ["facts"] = facts }),
        };
        return new JsonObject
        {
            ["type"] = "message",
            ["attachments"] = new JsonArray(new JsonObject { ["contentType"] = "application/vnd.microsoft.card.adaptive", ["contentUrl"] = null, ["content"] = card }),
        };
    }

    // Discord's "Execute Webhook" (discord.com/developers/docs/resources/webhook): one embed with title,
    // description, colour as an integer, fields {name, value, inline}, timestamp; within Discord's limits
    // (title 256, description 4096, 25 fields, name 256, value 1024); no mentions are parsed.
    private static JsonObject Discord(Notification n, string? username)
    {
        var fields = new JsonArray();
        foreach (var (name, value) in Facts(n).Take(25))
        {
            fields.Add(new JsonObject { ["name"] = Cut(name, 256), ["value"] = Cut(value, 1024), ["inline"] = true });
        }

        var embed = new JsonObject
        {
            ["title"] = Cut(n.Name, 256),
            ["description"] = Cut(n.Message, 4096),
            ["color"] = int.Parse(NotificationLevels.Color(n.Level).AsSpan(1), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            ["fields"] = fields,
            ["timestamp"] = n.CreatedAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["footer"] = new JsonObject { ["text"] = Footer },
        };
        var message = new JsonObject { ["embeds"] = new JsonArray(embed), ["allowed_mentions"] = new JsonObject { ["parse"] = new JsonArray() } };
        if (username is not null)
        {
            message["username"] = username;
        }

        return message;
    }

    // Google Chat's incoming webhook (developers.google.com/workspace/chat/quickstart/webhooks): a text message,
    // with Chat's *bold* formatting.
    private static JsonObject GoogleChat(Notification n)
    {
        var text = new StringBuilder();
        text.Append('*').Append(n.Name).Append("*: ").Append(n.Identifier).Append('\n').Append(n.Message);
        foreach (var (name, value) in Facts(n))
        {
            text.Append('\n').Append(name).Append(": ").Append(value);
        }

        return new JsonObject { ["text"] = text.ToString() };
    }

    private static IEnumerable<KeyValuePair<string, string>> Facts(Notification n)
    {
        yield return new("Resource", $"{n.ResourceKind} {n.Identifier}");
        foreach (var field in n.Fields)
        {
            yield return field;
        }
    }

    private static string SlackEscape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    private static string OneLine(string text) => new(text.Select(c => char.IsControl(c) ? ' ' : c).ToArray());
}
