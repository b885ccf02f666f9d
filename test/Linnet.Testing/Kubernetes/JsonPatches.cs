using System.Globalization;
using System.Text.Json.Nodes;

namespace Linnet.Testing.Kubernetes;

/// <summary>The two patch formats the fake API server applies: JSON Merge Patch (RFC 7386) and JSON Patch
/// (RFC 6902). Written for the fake from the RFCs, independent of the product's code it is used to test.</summary>
public static class JsonPatches
{
    /// <summary>RFC 7386 §2: <c>MergePatch(Target, Patch)</c>.</summary>
    public static JsonNode? Merge(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target as JsonObject ?? new JsonObject();
        foreach (var (name, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(name);
            }
            else
            {
                var merged = Merge(result[name]?.DeepClone(), value);
                result[name] = merged;
            }
        }

        return result;
    }

    /// <summary>RFC 6902: applies every operation in order to a copy of <paramref name="document"/>; throws
    /// <see cref="InvalidOperationException"/> (the whole patch fails, nothing applied) when one cannot be.</summary>
    public static JsonNode Apply(JsonNode document, JsonArray operations)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(operations);
        var root = new JsonObject { ["doc"] = document.DeepClone() };
        foreach (var item in operations)
        {
            if (item is not JsonObject op || op["op"]?.GetValue<string>() is not { } name || op["path"]?.GetValue<string>() is not { } path)
            {
                throw new InvalidOperationException("each operation needs 'op' and 'path'");
            }

            switch (name)
            {
                case "add":
                    Add(root, path, Value(op));
                    break;
                case "remove":
                    Remove(root, path);
                    break;
                case "replace":
                    Remove(root, path);
                    Add(root, path, Value(op));
                    break;
                case "move":
                    var moved = Get(root, From(op));
                    Remove(root, From(op));
                    Add(root, path, moved);
                    break;
                case "copy":
                    Add(root, path, Get(root, From(op))?.DeepClone());
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Get(root, path), op["value"]))
                    {
                        throw new InvalidOperationException($"test failed at '{path}'");
                    }

                    break;
                default:
                    throw new InvalidOperationException($"unknown op '{name}'");
            }
        }

        return root["doc"]!;
    }

    private static JsonNode? Value(JsonObject op) =>
        op.ContainsKey("value") ? op["value"]?.DeepClone() : throw new InvalidOperationException("'value' is required");

    private static string From(JsonObject op) => op["from"]?.GetValue<string>() ?? throw new InvalidOperationException("'from' is required");

    // RFC 6901: "" is the whole document, each "/token" one step, ~1 is '/', ~0 is '~'.
    private static (JsonNode Parent, string Token) Locate(JsonObject root, string pointer)
    {
        if (pointer.Length > 0 && pointer[0] != '/')
        {
            throw new InvalidOperationException($"'{pointer}' is not a JSON pointer");
        }

        var tokens = ("/doc" + pointer).Split('/').Skip(1).Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();
        JsonNode current = root;
        foreach (var token in tokens.Take(tokens.Count - 1))
        {
            current = Child(current, token) ?? throw new InvalidOperationException($"path '{pointer}' does not exist");
        }

        return (current, tokens[^1]);
    }

    private static JsonNode? Child(JsonNode node, string token) => node switch
    {
        JsonObject o => o.TryGetPropertyValue(token, out var v) ? v : throw new InvalidOperationException($"'{token}' does not exist"),
        JsonArray a => a[Index(a, token, allowEnd: false)],
        _ => throw new InvalidOperationException($"'{token}' is inside a value that is neither an object nor an array"),
    };

    private static int Index(JsonArray array, string token, bool allowEnd)
    {
        if (allowEnd && token == "-")
        {
            return array.Count;
        }

        if (!int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index > array.Count || (!allowEnd && index == array.Count))
        {
            throw new InvalidOperationException($"'{token}' is not an index of an array of {array.Count}");
        }

        return index;
    }

    private static JsonNode? Get(JsonObject root, string pointer)
    {
        var (parent, token) = Locate(root, pointer);
        return Child(parent, token);
    }

    private static void Add(JsonObject root, string pointer, JsonNode? value)
    {
        var (parent, token) = Locate(root, pointer);
        switch (parent)
        {
            case JsonObject o:
                o[token] = value;
                break;
            case JsonArray a:
                a.Insert(Index(a, token, allowEnd: true), value);
                break;
            default:
                throw new InvalidOperationException($"cannot add under '{pointer}'");
        }
    }

    private static void Remove(JsonObject root, string pointer)
    {
        var (parent, token) = Locate(root, pointer);
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(token):
                o.Remove(token);
                break;
            case JsonArray a:
                a.RemoveAt(Index(a, token, allowEnd: false));
                break;
            default:
                throw new InvalidOperationException($"path '{pointer}' does not exist");
        }
    }
}
