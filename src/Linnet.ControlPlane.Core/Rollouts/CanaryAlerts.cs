using System.Globalization;
using Linnet.ControlPlane.Core.Notifications;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Rollouts;

/// <summary>A canary alert as a <see cref="Notification"/> (the one message model every chat format renders),
/// Flagger's severity filter, and an AlertProvider as a <see cref="NotificationTarget"/>.</summary>
public static class CanaryAlerts
{
    /// <summary>Flagger's rule (pkg/controller/events.go): an alert of severity <c>info</c> gets everything, one of
    /// <c>warn</c> warnings and errors, one of <c>error</c> errors only.</summary>
    public static bool Wants(string alertSeverity, string severity) =>
        alertSeverity == "info" || alertSeverity == severity || (alertSeverity == "warn" && severity == "error");

    /// <summary>The notification for <paramref name="alert"/>: titled <c>name.namespace</c> as Flagger's are, the
    /// message, the facts (the weight, each failing metric and its value) and, when asked, Flagger's metadata
    /// fields (target, failed checks threshold, progress deadline, traffic routing).</summary>
    public static Notification Build(CanaryResource canary, CanaryAlert alert, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(canary);
        ArgumentNullException.ThrowIfNull(alert);
        var fields = new List<KeyValuePair<string, string>>(alert.Facts);
        if (alert.WithMetadata)
        {
            var a = canary.Spec.Analysis;
            fields.Add(new("Target", $"Workload/{canary.Spec.TargetName}.{canary.Metadata.Namespace}"));
            fields.Add(new("Failed checks threshold", a.Threshold.ToString(CultureInfo.InvariantCulture)));
            fields.Add(new("Progress deadline", canary.Spec.ProgressDeadlineSeconds.ToString(CultureInfo.InvariantCulture) + "s"));
            fields.Add(new("Traffic routing", a.Strategy switch
            {
                CanaryStrategies.ABTesting => "A/B Testing",
                CanaryStrategies.BlueGreen => "Blue/Green",
                _ when a.StepWeights.Count > 0 => $"Weight steps: {string.Join(',', a.StepWeights)} max: {a.MaxWeight}",
                _ => $"Weight step: {a.StepWeight} max: {a.MaxWeight}",
            }));
        }

        var level = alert.Severity switch
        {
            "error" => NotificationLevel.Error,
            "warn" => NotificationLevel.Warn,
            _ => NotificationLevel.Info,
        };
        return new Notification($"{canary.Metadata.Name}.{canary.Metadata.Namespace}", alert.Message, level, now, "canary", CanaryResource.KindName, $"{canary.Metadata.Namespace}/{canary.Metadata.Name}")
        {
            Fields = fields,
        };
    }

    /// <summary>Where <paramref name="provider"/> posts: its inline address, or the URL of the notifications-file
    /// target its <c>secretRef</c> names (which must be of the same service); the reason when neither works.</summary>
    public static (NotificationTarget? Target, string? Problem) Target(AlertProviderResource provider, IReadOnlyList<NotificationTarget> secrets)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(secrets);
        if (!NotificationConfig.TryParseService(provider.Spec.Type, out var service))
        {
            return (null, $"type {provider.Spec.Type} is not a notification service");
        }

        var url = provider.Spec.Address;
        if (provider.Spec.SecretName is { } secretName)
        {
            var secret = secrets.FirstOrDefault(t => t.Name == secretName);
            if (secret?.Url is null)
            {
                return (null, $"secretRef {secretName} is not a target of the control plane's --notifications-file");
            }

            if (secret.Service != service)
            {
                return (null, $"secretRef {secretName} is a {secret.Service} target, not {provider.Spec.Type}");
            }

            url = secret.Url;
        }

        return (new NotificationTarget($"AlertProvider/{provider.Metadata.Namespace}/{provider.Metadata.Name}", service, url, NotificationLevel.Debug)
        {
            Channel = provider.Spec.Channel,
            Username = provider.Spec.Username,
        }, null);
    }
}
