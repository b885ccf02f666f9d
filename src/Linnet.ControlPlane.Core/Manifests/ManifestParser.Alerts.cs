using Linnet.Api.Yaml;
using Linnet.ControlPlane.Core.Notifications;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>Flagger's <c>AlertProvider</c> kind and a Canary's <c>analysis.alerts</c>.</summary>
public static partial class ManifestParser
{
    private static readonly string[] AlertProviderTypes = ["slack", "msteams", "discord", "rocket", "gchat"];
    private static readonly string[] AlertSeverities = ["info", "warn", "error"];

    internal static AlertProviderSpec ParseAlertProviderSpec(YamlMap spec)
    {
        if (!spec.Exists)
        {
            spec.Error("", "spec is required (type, and address or secretRef)");
        }

        var type = spec.Text("type", required: true) ?? "slack";
        if (!AlertProviderTypes.Contains(type, StringComparer.Ordinal))
        {
            spec.Error("type", $"'{type}' is not one of Flagger's alert providers Linnet sends to ({string.Join(", ", AlertProviderTypes)})");
        }

        Uri? address = null;
        if (spec.Text("address") is { } text)
        {
            if (NotificationConfig.UrlProblem(text) is { } problem)
            {
                spec.Error("address", problem);
            }
            else
            {
                address = new Uri(text);
            }
        }

        var secret = spec.Map("secretRef");
        var secretName = secret.Exists ? secret.Text("name", required: true) : null;
        secret.RejectUnknown();
        if (spec.Node("address") is null && !secret.Exists)
        {
            spec.Error("address", "or secretRef is required: where the alerts are posted");
        }
        else if (spec.Node("address") is not null && secret.Exists)
        {
            spec.Error("secretRef", "and address both given; give one (secretRef names a target of the control plane's --notifications-file)");
        }

        var channel = spec.Text("channel");
        if (channel is not null)
        {
            if (NotificationConfig.ChannelProblem(channel) is { } problem)
            {
                spec.Error("channel", problem);
            }
            else if (type is "msteams" or "discord" or "gchat")
            {
                spec.Error("channel", $"{type} webhooks post to the channel they were made for; leave channel out");
            }
        }

        var username = spec.Text("username");
        if (username is not null && (username.Length is 0 or > 80 || username.Any(char.IsControl)))
        {
            spec.Error("username", "must be 1 to 80 characters without control characters");
        }

        if (spec.Node("proxy") is not null)
        {
            spec.Error("proxy", "is not honoured: the control plane posts alerts directly");
        }

        spec.RejectUnknown();
        return new AlertProviderSpec(type, address, secretName) { Channel = channel, Username = username };
    }

    private static List<CanaryAlertRef> ParseCanaryAlerts(YamlMap analysis)
    {
        var alerts = new List<CanaryAlertRef>();
        var items = analysis.Sequence("alerts");
        for (var i = 0; i < items.Count; i++)
        {
            var item = analysis.Item(items[i], "alerts", i);
            var name = item.Text("name", required: true);

            // Flagger's default severity is info (every alert).
            var severity = item.Text("severity") ?? "info";
            if (!AlertSeverities.Contains(severity, StringComparer.Ordinal))
            {
                item.Error("severity", $"'{severity}' is not one of {string.Join(", ", AlertSeverities)}");
            }

            var provider = item.Map("providerRef");
            var providerName = provider.Text("name", required: true);
            var providerNamespace = provider.Text("namespace");
            if (providerName is not null && !IsDnsLabel(providerName))
            {
                provider.Error("name", $"'{providerName}' is not a DNS label");
            }

            if (providerNamespace is not null && !IsDnsLabel(providerNamespace))
            {
                provider.Error("namespace", $"'{providerNamespace}' is not a DNS label");
            }

            provider.RejectUnknown();
            item.RejectUnknown();
            if (name is not null && providerName is not null)
            {
                alerts.Add(new CanaryAlertRef(name, severity, providerName, providerNamespace));
            }
        }

        return alerts;
    }
}
