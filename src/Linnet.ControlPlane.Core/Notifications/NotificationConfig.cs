using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Linnet.Api.Validation;
using Linnet.Api.Security;

namespace Linnet.ControlPlane.Core.Notifications;

/// <summary>The control plane's notification targets, read from one JSON file (it holds webhook URLs and SMTP
/// passwords, so it must be owner-only). The one validator of targets: every problem is reported with its field
/// path and nothing is half-loaded.</summary>
/// <param name="Targets">Where notifications go.</param>
public sealed record NotificationConfig(IReadOnlyList<NotificationTarget> Targets)
{
    /// <summary>No targets: nothing is sent.</summary>
    public static NotificationConfig None { get; } = new([]);

    private static readonly string[] TargetKeys = ["name", "type", "url", "channel", "username", "level", "smtpHost", "smtpPort", "smtpSecurity", "smtpUser", "smtpPassword", "from", "to"];

    /// <summary>Reads <paramref name="path"/>, which must be readable by its owner only (0600).</summary>
    /// <exception cref="InvalidOperationException">The file is readable by others, or invalid (the message lists every problem).</exception>
    public static NotificationConfig FromFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        OwnerOnlyFile.Require(path, $"{path} holds webhook URLs and passwords: it must be readable by its owner only ({OwnerOnlyFile.Modes})");

        var errors = new List<FieldError>();
        var config = Parse(File.ReadAllText(path), errors);
        return errors.Count == 0 ? config! : throw new InvalidOperationException($"{path}: " + string.Join("; ", errors.Select(e => $"{e.Path}: {e.Reason}")));
    }

    /// <summary>Parses the file's text: <c>{"level":"info","targets":[{"name","type","url",...}]}</c>. Returns
    /// null when <paramref name="errors"/> got any.</summary>
    public static NotificationConfig? Parse(string json, List<FieldError> errors)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(errors);
        JsonObject? root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject;
        }
        catch (JsonException ex)
        {
            errors.Add(new FieldError("", $"not JSON: {ex.Message}"));
            return null;
        }

        if (root is null)
        {
            errors.Add(new FieldError("", "must be a JSON object with \"targets\""));
            return null;
        }

        foreach (var (key, _) in root)
        {
            if (key is not ("level" or "targets"))
            {
                errors.Add(new FieldError(key, "is not a field of the notifications file (level, targets)"));
            }
        }

        var level = NotificationLevel.Info;
        if (String(root, "level", "level", errors) is { } levelText && !NotificationLevels.TryParse(levelText, out level))
        {
            errors.Add(new FieldError("level", $"'{levelText}' is not a level (debug, info, success, warn, error, fatal)"));
        }

        var targets = new List<NotificationTarget>();
        if (root["targets"] is not JsonArray array)
        {
            errors.Add(new FieldError("targets", "must be a list of targets"));
            return null;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < array.Count; i++)
        {
            var path = $"targets[{i}]";
            if (array[i] is not JsonObject item)
            {
                errors.Add(new FieldError(path, "must be an object"));
                continue;
            }

            if (ParseTarget(item, path, level, errors) is { } target)
            {
                if (!names.Add(target.Name))
                {
                    errors.Add(new FieldError($"{path}.name", $"'{target.Name}' names two targets"));
                }

                targets.Add(target);
            }
        }

        return errors.Count == 0 ? new NotificationConfig(targets) : null;
    }

    /// <summary>Parses a service name: <c>slack</c>, <c>msteams</c> (<c>teams</c>), <c>discord</c>,
    /// <c>mattermost</c>, <c>rocket</c> (<c>rocketchat</c>), <c>gchat</c> (<c>googlechat</c>), <c>webhook</c>,
    /// <c>email</c> (<c>mail</c>): Flagger's AlertProvider types and Keel's sender names.</summary>
    public static bool TryParseService(string text, out NotificationService service)
    {
        ArgumentNullException.ThrowIfNull(text);
        (var ok, service) = text switch
        {
            "slack" => (true, NotificationService.Slack),
            "msteams" or "teams" => (true, NotificationService.MSTeams),
            "discord" => (true, NotificationService.Discord),
            "mattermost" => (true, NotificationService.Mattermost),
            "rocket" or "rocketchat" => (true, NotificationService.RocketChat),
            "gchat" or "googlechat" => (true, NotificationService.GoogleChat),
            "webhook" => (true, NotificationService.Webhook),
            "email" or "mail" => (true, NotificationService.Email),
            _ => (false, NotificationService.Webhook),
        };
        return ok;
    }

    /// <summary>Why <paramref name="url"/> cannot be a webhook target, or null when it can: absolute http(s),
    /// and plain http only to loopback (the URL is a secret and must not cross a network in clear).</summary>
    public static string? UrlProblem(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            return "must be an absolute http(s) URL";
        }

        return uri.Scheme == Uri.UriSchemeHttp && !IsLoopback(uri.Host) ? "must be https: plain http is allowed to loopback only (the URL is a secret)" : null;
    }

    /// <summary>Why <paramref name="channel"/> cannot name a chat channel, or null.</summary>
    public static string? ChannelProblem(string channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return channel.Length is 0 or > 80 || channel.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c == ',')
            ? $"'{channel}' is not a channel name (1 to 80 characters, no spaces, commas or control characters)"
            : null;
    }

    internal static bool IsLoopback(string host) =>
        host == "localhost" || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    private static NotificationTarget? ParseTarget(JsonObject item, string path, NotificationLevel defaultLevel, List<FieldError> errors)
    {
        var before = errors.Count;
        foreach (var (key, _) in item)
        {
            if (Array.IndexOf(TargetKeys, key) < 0)
            {
                errors.Add(new FieldError($"{path}.{key}", $"is not a field of a target ({string.Join(", ", TargetKeys)})"));
            }
        }

        var name = String(item, "name", $"{path}.name", errors);
        if (string.IsNullOrEmpty(name))
        {
            errors.Add(new FieldError($"{path}.name", "is required"));
        }

        var typeText = String(item, "type", $"{path}.type", errors);
        var service = NotificationService.Webhook;
        if (typeText is null)
        {
            errors.Add(new FieldError($"{path}.type", "is required (slack, msteams, discord, mattermost, rocket, gchat, webhook, email)"));
        }
        else if (!TryParseService(typeText, out service))
        {
            errors.Add(new FieldError($"{path}.type", $"'{typeText}' is not a notification service (slack, msteams, discord, mattermost, rocket, gchat, webhook, email)"));
        }

        var level = defaultLevel;
        if (String(item, "level", $"{path}.level", errors) is { } levelText && !NotificationLevels.TryParse(levelText, out level))
        {
            errors.Add(new FieldError($"{path}.level", $"'{levelText}' is not a level (debug, info, success, warn, error, fatal)"));
        }

        var channel = String(item, "channel", $"{path}.channel", errors);
        var username = String(item, "username", $"{path}.username", errors);
        var channelled = service is NotificationService.Slack or NotificationService.Mattermost or NotificationService.RocketChat;
        if (channel is not null)
        {
            if (!channelled)
            {
                errors.Add(new FieldError($"{path}.channel", $"{typeText} webhooks post to the channel they were made for: a channel cannot be named"));
            }
            else if (ChannelProblem(channel) is { } problem)
            {
                errors.Add(new FieldError($"{path}.channel", problem));
            }
        }

        if (username is not null && (!channelled && service != NotificationService.Discord || username.Length is 0 or > 80 || username.Any(char.IsControl)))
        {
            errors.Add(new FieldError($"{path}.username", channelled || service == NotificationService.Discord ? "must be 1 to 80 characters" : $"{typeText} messages cannot name their sender"));
        }

        Uri? url = null;
        EmailSettings? email = null;
        var urlText = String(item, "url", $"{path}.url", errors);
        if (service == NotificationService.Email)
        {
            if (urlText is not null)
            {
                errors.Add(new FieldError($"{path}.url", "an e-mail target has smtpHost, not url"));
            }

            email = ParseEmail(item, path, errors);
        }
        else
        {
            foreach (var key in TargetKeys.Where(k => k.StartsWith("smtp", StringComparison.Ordinal) || k is "from" or "to"))
            {
                if (item.ContainsKey(key))
                {
                    errors.Add(new FieldError($"{path}.{key}", "is for e-mail targets only"));
                }
            }

            if (urlText is null)
            {
                errors.Add(new FieldError($"{path}.url", "is required"));
            }
            else if (UrlProblem(urlText) is { } problem)
            {
                // The URL is a secret: the reason never repeats it.
                errors.Add(new FieldError($"{path}.url", problem));
            }
            else
            {
                url = new Uri(urlText);
            }
        }

        return errors.Count > before ? null : new NotificationTarget(name!, service, url, level) { Channel = channel, Username = username, Email = email };
    }

    private static EmailSettings? ParseEmail(JsonObject item, string path, List<FieldError> errors)
    {
        var host = String(item, "smtpHost", $"{path}.smtpHost", errors);
        if (string.IsNullOrEmpty(host) || Uri.CheckHostName(host) == UriHostNameType.Unknown)
        {
            errors.Add(new FieldError($"{path}.smtpHost", "is required: the SMTP server's host name or address"));
        }

        var security = SmtpSecurity.StartTls;
        switch (String(item, "smtpSecurity", $"{path}.smtpSecurity", errors))
        {
            case null or "starttls":
                break;
            case "tls":
                security = SmtpSecurity.Tls;
                break;
            case "none":
                security = SmtpSecurity.None;
                if (host is not null && !IsLoopback(host))
                {
                    errors.Add(new FieldError($"{path}.smtpSecurity", "none is allowed to a server on loopback only: use starttls or tls"));
                }

                break;
            case var other:
                errors.Add(new FieldError($"{path}.smtpSecurity", $"'{other}' is not starttls, tls or none"));
                break;
        }

        var port = security == SmtpSecurity.Tls ? 465 : 587;
        if (item["smtpPort"] is { } portNode)
        {
            if (portNode.GetValueKind() != JsonValueKind.Number || !portNode.AsValue().TryGetValue<int>(out port) || port is < 1 or > 65535)
            {
                errors.Add(new FieldError($"{path}.smtpPort", "must be a port number, 1 to 65535"));
            }
        }

        var user = String(item, "smtpUser", $"{path}.smtpUser", errors);
        var password = String(item, "smtpPassword", $"{path}.smtpPassword", errors);
        if ((user is null) != (password is null))
        {
            errors.Add(new FieldError($"{path}.smtpPassword", "smtpUser and smtpPassword come together"));
        }

        var from = String(item, "from", $"{path}.from", errors);
        if (from is null || !IsMailAddress(from))
        {
            errors.Add(new FieldError($"{path}.from", "is required: an e-mail address"));
        }

        var to = new List<string>();
        if (item["to"] is not JsonArray list || list.Count == 0)
        {
            errors.Add(new FieldError($"{path}.to", "is required: a list of e-mail addresses"));
        }
        else
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i] is JsonValue v && v.TryGetValue<string>(out var address) && IsMailAddress(address))
                {
                    to.Add(address);
                }
                else
                {
                    errors.Add(new FieldError($"{path}.to[{i}]", "is not an e-mail address"));
                }
            }
        }

        return new EmailSettings(host ?? "", port, security, user, password, from ?? "", to);
    }

    // True when the address is one mailbox, user@domain, with nothing a header could be split on.
    private static bool IsMailAddress(string address) =>
        address.Length <= 254 && !address.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c is ',' or '<' or '>' or ';')
        && address.IndexOf('@', StringComparison.Ordinal) is var at && at > 0 && at < address.Length - 1 && address.LastIndexOf('@') == at;

    private static string? String(JsonObject item, string key, string path, List<FieldError> errors)
    {
        if (item[key] is not { } node)
        {
            return null;
        }

        if (node.GetValueKind() != JsonValueKind.String)
        {
            errors.Add(new FieldError(path, "must be a string"));
            return null;
        }

        return node.GetValue<string>();
    }
}
