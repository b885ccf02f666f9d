using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Rollouts;

/// <summary>Flagger's <c>CanaryWebhookPayload</c> (pkg/apis/flagger/v1beta1/canary.go): <c>name</c>,
/// <c>namespace</c>, <c>phase</c>, <c>checksum</c> and the hook's <c>metadata</c>; an event hook's metadata is
/// <c>eventMessage</c>, <c>eventType</c> and <c>timestamp</c> (Unix milliseconds, a string) plus the hook's own
/// keys that do not clash (pkg/controller/webhook.go).</summary>
public static class CanaryHookPayload
{
    /// <summary>The payload of a gate, check or rollout hook, sent with <paramref name="phase"/>.</summary>
    public static JsonObject For(CanaryResource canary, CanaryWebhook hook, string phase)
    {
        ArgumentNullException.ThrowIfNull(canary);
        ArgumentNullException.ThrowIfNull(hook);
        var json = Base(canary, phase);
        if (hook.Metadata.Count > 0)
        {
            json["metadata"] = Metadata(hook.Metadata, []);
        }

        return json;
    }

    /// <summary>The payload of an event hook for <paramref name="canaryEvent"/>.</summary>
    public static JsonObject ForEvent(CanaryResource canary, CanaryWebhook hook, string phase, CanaryEvent canaryEvent)
    {
        ArgumentNullException.ThrowIfNull(canary);
        ArgumentNullException.ThrowIfNull(hook);
        ArgumentNullException.ThrowIfNull(canaryEvent);
        var json = Base(canary, phase);
        var own = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["eventMessage"] = canaryEvent.Message,
            ["eventType"] = canaryEvent.Type,
            ["timestamp"] = canaryEvent.At.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
        };
        json["metadata"] = Metadata(hook.Metadata, own);
        return json;
    }

    /// <summary>Flagger's checksum identifies the configuration under analysis (it hashes the tracked configs and
    /// the last applied spec); Linnet's is a hash of <c>lastAppliedSpec</c>, the same for every call of one
    /// revision and different for the next.</summary>
    public static string Checksum(CanaryStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(status.LastAppliedSpec)).AsSpan(0, 8));
    }

    private static JsonObject Base(CanaryResource canary, string phase) => new()
    {
        ["name"] = canary.Metadata.Name,
        ["namespace"] = canary.Metadata.Namespace,
        ["phase"] = phase,
        ["checksum"] = Checksum(canary.Status),
    };

    private static JsonObject Metadata(IReadOnlyDictionary<string, string> hook, Dictionary<string, string> own)
    {
        foreach (var (key, value) in hook)
        {
            own.TryAdd(key, value);
        }

        var json = new JsonObject();
        foreach (var (key, value) in own.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            json[key] = value;
        }

        return json;
    }
}
