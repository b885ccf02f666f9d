using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Linnet.Cli.Output;

/// <summary>Writes JSON nodes as block-style YAML, the way kubectl shows resources.</summary>
internal static class YamlWriter
{
    public static string Write(JsonNode? node)
    {
        var sb = new StringBuilder();
        WriteNode(sb, node, 0, inSequence: false);
        return sb.ToString();
    }

    private static void WriteNode(StringBuilder sb, JsonNode? node, int indent, bool inSequence)
    {
        switch (node)
        {
            case JsonObject obj when obj.Count == 0:
                sb.Append("{}\n");
                break;
            case JsonObject obj:
                var first = true;
                foreach (var (key, value) in obj)
                {
                    if (!(first && inSequence))
                    {
                        sb.Append(' ', indent);
                    }

                    first = false;
                    sb.Append(Scalar(key)).Append(':');
                    if (value is JsonObject { Count: > 0 } or JsonArray { Count: > 0 })
                    {
                        sb.Append('\n');
                        WriteNode(sb, value, value is JsonArray ? indent : indent + 2, inSequence: false);
                    }
                    else
                    {
                        sb.Append(' ');
                        WriteNode(sb, value, indent + 2, inSequence: false);
                    }
                }

                break;
            case JsonArray arr when arr.Count == 0:
                sb.Append("[]\n");
                break;
            case JsonArray arr:
                foreach (var item in arr)
                {
                    sb.Append(' ', indent).Append("- ");
                    WriteNode(sb, item, indent + 2, inSequence: true);
                }

                break;
            case JsonValue value:
                sb.Append(value.GetValueKind() switch
                {
                    JsonValueKind.String => Scalar(value.GetValue<string>()),
                    JsonValueKind.True => "true",
                    JsonValueKind.False => "false",
                    _ => value.ToJsonString(),
                }).Append('\n');
                break;
            default:
                sb.Append("null\n");
                break;
        }
    }

    private static string Scalar(string text)
    {
        var plain = text.Length > 0 && !text.Any(c => c is ':' or '#' or '\'' or '"' or '\n' or '{' or '}' or '[' or ']' or ',' or '&' or '*' or '!' or '|' or '>' or '%' or '@' or '`')
            && !char.IsWhiteSpace(text[0]) && !char.IsWhiteSpace(text[^1]) && text[0] != '-'
            && !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
            && text is not ("true" or "false" or "null" or "~" or "yes" or "no" or "on" or "off");
        return plain ? text : JsonSerializer.Serialize(text);
    }
}
