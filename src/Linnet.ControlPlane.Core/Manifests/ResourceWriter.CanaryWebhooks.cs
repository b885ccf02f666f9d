using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>A Canary's <c>analysis.webhooks</c> in Flagger's shape.</summary>
public static partial class ResourceWriter
{
    private static JsonArray CanaryWebhooksJson(IReadOnlyList<CanaryWebhook> hooks)
    {
        var result = new JsonArray();
        foreach (var hook in hooks)
        {
            var json = new JsonObject
            {
                ["name"] = hook.Name,
                ["type"] = hook.Type,
                ["url"] = hook.Url.OriginalString,
                ["timeout"] = GoDuration.Format(hook.Timeout),
            };
            if (hook.Retries > 0)
            {
                json["retries"] = hook.Retries;
            }

            if (hook.MuteAlert)
            {
                json["muteAlert"] = true;
            }

            if (hook.Metadata.Count > 0)
            {
                var metadata = new JsonObject();
                foreach (var (key, value) in hook.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    metadata[key] = value;
                }

                json["metadata"] = metadata;
            }

            result.Add(json);
        }

        return result;
    }
}
