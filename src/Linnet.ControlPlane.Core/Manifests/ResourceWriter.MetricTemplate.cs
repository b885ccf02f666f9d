using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>A MetricTemplate in Flagger's shape; a Canary metric's templateRef and templateVariables.</summary>
public static partial class ResourceWriter
{
    private static JsonObject MetricTemplateSpecJson(MetricTemplateSpec spec)
    {
        var provider = new JsonObject { ["type"] = spec.Provider, ["address"] = spec.Address.ToString() };
        if (spec.Headers.Count > 0)
        {
            var headers = new JsonObject();
            foreach (var (name, values) in spec.Headers.OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase))
            {
                headers[name] = new JsonArray(values.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray());
            }

            provider["headers"] = headers;
        }

        if (spec.SecretRef is { } secret)
        {
            provider["secretRef"] = new JsonObject { ["name"] = secret };
        }

        return new JsonObject { ["provider"] = provider, ["query"] = spec.Query };
    }

    private static void AddTemplateRef(JsonObject metric, CanaryMetric m)
    {
        if (m.TemplateRef is { } reference)
        {
            var json = new JsonObject { ["name"] = reference.Name };
            if (reference.Namespace.Length > 0)
            {
                json["namespace"] = reference.Namespace;
            }

            metric["templateRef"] = json;
        }

        if (m.TemplateVariables.Count > 0)
        {
            var variables = new JsonObject();
            foreach (var (key, value) in m.TemplateVariables.OrderBy(v => v.Key, StringComparer.Ordinal))
            {
                variables[key] = value;
            }

            metric["templateVariables"] = variables;
        }
    }
}
