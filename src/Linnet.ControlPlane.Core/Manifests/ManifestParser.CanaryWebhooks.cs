using Linnet.Api.Yaml;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>Flagger's <c>analysis.webhooks</c>: every field is honoured or refused with the reason.</summary>
public static partial class ManifestParser
{
    private static readonly TimeSpan MaxHookTimeout = TimeSpan.FromMinutes(10);

    private static List<CanaryWebhook> ParseCanaryWebhooks(YamlMap analysis)
    {
        var hooks = new List<CanaryWebhook>();
        var items = analysis.Sequence("webhooks");
        for (var i = 0; i < items.Count; i++)
        {
            var item = analysis.Item(items[i], "webhooks", i);
            if (ParseCanaryWebhook(item) is { } hook)
            {
                hooks.Add(hook);
            }
        }

        return hooks;
    }

    private static CanaryWebhook? ParseCanaryWebhook(YamlMap item)
    {
        // Flagger: an empty type is a rollout hook.
        var type = item.Text("type") ?? CanaryHookTypes.Rollout;
        if (type.Length == 0)
        {
            type = CanaryHookTypes.Rollout;
        }

        if (!CanaryHookTypes.All.Contains(type, StringComparer.Ordinal))
        {
            item.Error("type", $"'{type}' is not one of Flagger's webhook types ({string.Join(", ", CanaryHookTypes.All)})");
        }

        var name = item.Text("name", required: true);
        var text = item.Text("url", required: true);
        Uri? url = null;
        if (text is not null)
        {
            url = CheckHookUrl(item, text);
        }

        var timeout = TimeSpan.FromSeconds(10);
        if (item.Text("timeout") is { } timeoutText && timeoutText.Length >= 2)
        {
            // Flagger: a timeout shorter than two characters means the default.
            if (!GoDuration.TryParse(timeoutText, out timeout) || timeout <= TimeSpan.Zero || timeout > MaxHookTimeout)
            {
                item.Error("timeout", $"'{timeoutText}' is not a duration between 1ms and 10m (such as 15s)");
                timeout = TimeSpan.FromSeconds(10);
            }
        }

        var retries = item.Number("retries", 0, 10) ?? 0;
        var metadata = item.StringMap("metadata");
        var mute = item.Bool("muteAlert") ?? false;
        if (item.Bool("disableTLS") == true)
        {
            item.Error("disableTLS", "is refused: Linnet verifies a webhook's TLS certificate (a hook that gates a release must not be impersonable); give it a trusted certificate, or call a mesh Service over http");
        }

        item.RejectUnknown();
        return name is null || url is null ? null : new CanaryWebhook(type, name, url) { Timeout = timeout, Retries = retries, Metadata = metadata, MuteAlert = mute };
    }

    // http(s) only, absolute, no credentials in the URL (they would be shown in status and events), no fragment.
    private static Uri? CheckHookUrl(YamlMap item, string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || url.Host.Length == 0)
        {
            item.Error("url", $"'{text}' is not an absolute http or https URL");
            return null;
        }

        if (url.UserInfo.Length > 0)
        {
            item.Error("url", "must not carry credentials (user:password@): the Canary and its events are readable by every API client");
            return null;
        }

        if (url.Fragment.Length > 0)
        {
            item.Error("url", $"'{text}' has a fragment (#…), which is never sent");
            return null;
        }

        return url;
    }
}
