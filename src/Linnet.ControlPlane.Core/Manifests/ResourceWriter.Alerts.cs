using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>AlertProviders and a Canary's <c>analysis.alerts</c> in Flagger's shape.</summary>
public static partial class ResourceWriter
{
    internal static JsonObject AlertProviderSpecJson(AlertProviderSpec spec)
    {
        var json = new JsonObject { ["type"] = spec.Type };
        if (spec.Address is { } address)
        {
            json["address"] = address.OriginalString;
        }

        if (spec.SecretName is { } secret)
        {
            json["secretRef"] = new JsonObject { ["name"] = secret };
        }

        if (spec.Channel is { } channel)
        {
            json["channel"] = channel;
        }

        if (spec.Username is { } username)
        {
            json["username"] = username;
        }

        return json;
    }

    private static JsonArray CanaryAlertsJson(IReadOnlyList<CanaryAlertRef> alerts)
    {
        var result = new JsonArray();
        foreach (var alert in alerts)
        {
            var provider = new JsonObject { ["name"] = alert.ProviderName };
            if (alert.ProviderNamespace is { } ns)
            {
                provider["namespace"] = ns;
            }

            result.Add(new JsonObject { ["name"] = alert.Name, ["severity"] = alert.Severity, ["providerRef"] = provider });
        }

        return result;
    }
}
