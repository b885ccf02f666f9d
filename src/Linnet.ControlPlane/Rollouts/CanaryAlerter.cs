using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Rollouts;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Notifications;
using Microsoft.Extensions.Logging;

namespace Linnet.ControlPlane.Rollouts;

/// <summary>Sends a committed step's alerts as Flagger does: to each of the Canary's <c>analysis.alerts</c> whose
/// severity wants it, through its AlertProvider; without <c>analysis.alerts</c>, to the control plane's configured
/// notification targets (Flagger's global notifier). Rendering and delivery are <see cref="NotificationSender"/>'s.</summary>
internal sealed partial class CanaryAlerter(NotificationSender sender, ControlPlaneOptions options, TimeProvider time, ILogger<CanaryAlerter> logger)
{
    public async Task SendAsync(StoreSnapshot snapshot, CanaryResource canary, IReadOnlyList<CanaryAlert> alerts, CancellationToken cancellationToken)
    {
        foreach (var alert in alerts)
        {
            var notification = CanaryAlerts.Build(canary, alert, time.GetUtcNow());
            if (canary.Spec.Analysis.Alerts.Count == 0)
            {
                sender.Publish(notification);
                continue;
            }

            foreach (var route in canary.Spec.Analysis.Alerts.Where(r => CanaryAlerts.Wants(r.Severity, alert.Severity)))
            {
                var ns = route.ProviderNamespace ?? canary.Metadata.Namespace;
                if (snapshot.Resources.GetValueOrDefault(new ResourceKey(AlertProviderResource.KindName, ns, route.ProviderName)) is not AlertProviderResource provider)
                {
                    Log.NoProvider(logger, canary.Key.ToString(), route.Name, $"{ns}/{route.ProviderName}", "it does not exist");
                    continue;
                }

                var (target, problem) = CanaryAlerts.Target(provider, options.Notifications.Targets);
                if (target is null)
                {
                    Log.NoProvider(logger, canary.Key.ToString(), route.Name, $"{ns}/{route.ProviderName}", problem!);
                    continue;
                }

                await sender.SendAsync([target], notification, cancellationToken);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Canary {Canary}: alert {Alert} not sent: AlertProvider {Provider}: {Problem}")]
        public static partial void NoProvider(ILogger logger, string canary, string alert, string provider, string problem);
    }
}
