using System.Globalization;
using System.Text.Json.Nodes;

namespace Linnet.Platform.Kubernetes.Injection;

/// <summary>Applies an RFC 6902 JSON Patch made of <c>add</c> operations (all injection emits) to a document in
/// place. Paths are RFC 6901 pointers; <c>-</c> appends to an array.</summary>
public static class JsonPatch
{
    /// <summary>Applies <paramref name="patch"/> to <paramref name="document"/>.</summary>
    /// <exception cref="InvalidOperationException">An operation is not <c>add</c>, or its path does not lead to a
    /// place in the document (RFC 6902 §5: the patch is then not applied as a whole; callers discard the document).</exception>
    public static void Apply(JsonNode document, JsonArray patch)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(patch);
        foreach (var operation in patch)
        {
            var op = (string?)operation?["op"];
            var path = (string?)operation?["path"] ?? throw new InvalidOperationException("an operation has no path");
            if (op != "add")
            {
                throw new InvalidOperationException($"'{op}' is not an operation this patcher applies");
            }

            var tokens = path.Split('/').Skip(1).Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();
            if (!path.StartsWith('/') || tokens.Count == 0)
            {
                throw new InvalidOperationException($"'{path}' is not a JSON pointer below the root");
            }

            var parent = document;
            foreach (var token in tokens.SkipLast(1))
            {
                parent = parent switch
                {
                    JsonObject obj when obj[token] is { } child => child,
                    JsonArray array when int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < array.Count && array[i] is { } item => item,
                    _ => throw new InvalidOperationException($"'{path}': nothing at '{token}'"),
                };
            }

            var last = tokens[^1];
            var value = operation!["value"]?.DeepClone();
            switch (parent)
            {
                case JsonObject obj:
                    obj[last] = value;
                    break;
                case JsonArray array when last == "-":
                    array.Add(value);
                    break;
                case JsonArray array when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index <= array.Count:
                    array.Insert(index, value);
                    break;
                default:
                    throw new InvalidOperationException($"'{path}': cannot add at '{last}'");
            }
        }
    }
}
