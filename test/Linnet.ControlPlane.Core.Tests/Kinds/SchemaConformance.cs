using System.Text.Json;
using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Kinds;

namespace Linnet.ControlPlane.Core.Tests.Kinds;

/// <summary>Checks a JSON value against a <see cref="KindSchema"/> as the API server's structural validation would
/// (types, enums, bounds, required fields, undeclared fields only where they are kept).</summary>
internal static class SchemaConformance
{
    public static void Check(KindSchema schema, JsonNode? value, string path, List<string> problems)
    {
        if (value is null)
        {
            return;
        }

        if (schema.IntOrString)
        {
            if (!(value is JsonValue v && (v.GetValueKind() is JsonValueKind.Number or JsonValueKind.String)))
            {
                problems.Add($"{path}: a port number or name, not {value.ToJsonString()}");
            }

            return;
        }

        switch (schema.Type)
        {
            case "object" when value is JsonObject obj:
                foreach (var required in schema.Required)
                {
                    if (!obj.ContainsKey(required))
                    {
                        problems.Add($"{path}.{required}: required");
                    }
                }

                foreach (var (name, child) in obj)
                {
                    var declared = schema.Properties.FirstOrDefault(p => p.Key == name).Value;
                    if (declared is not null)
                    {
                        Check(declared, child, $"{path}.{name}", problems);
                    }
                    else if (schema.AdditionalProperties is { } values)
                    {
                        Check(values, child, $"{path}.{name}", problems);
                    }
                    else if (!schema.PreserveUnknownFields)
                    {
                        problems.Add($"{path}.{name}: not declared, and the server would prune it");
                    }
                }

                break;
            case "array" when value is JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    Check(schema.Items!, array[i], $"{path}[{i}]", problems);
                }

                break;
            case "string" when value is JsonValue s && s.GetValueKind() == JsonValueKind.String:
                if (schema.Enum.Count > 0 && !schema.Enum.Contains(s.GetValue<string>()))
                {
                    problems.Add($"{path}: '{s.GetValue<string>()}' is not one of {string.Join(", ", schema.Enum)}");
                }

                break;
            case "integer" when value is JsonValue n && n.GetValueKind() == JsonValueKind.Number && n.TryGetValue<long>(out var number):
                if (number < schema.Minimum || number > schema.Maximum)
                {
                    problems.Add($"{path}: {number} is out of range");
                }

                break;
            case "number" when value is JsonValue n && n.GetValueKind() == JsonValueKind.Number:
            case "boolean" when value is JsonValue b && b.GetValueKind() is JsonValueKind.True or JsonValueKind.False:
                break;
            default:
                problems.Add($"{path}: {value.ToJsonString()} is not of type {schema.Type}");
                break;
        }
    }
}
