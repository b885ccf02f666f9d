using System.Globalization;
using System.Text.Json.Nodes;

namespace Linnet.Cli.Output;

/// <summary>An Instance's image pull (<c>spec.pull</c>) in words, the same in <c>get</c>, <c>describe</c> and
/// <c>apply</c>: "pulling: layer 1/3, 4.2/12.0 MB", "pulled: 3/3 layers, 12.0 MB", or "pull failed: reason".</summary>
internal static class ImagePullText
{
    /// <summary>The words for <paramref name="pull"/>; empty when there is none.</summary>
    public static string Describe(JsonNode? pull)
    {
        if (pull is null)
        {
            return "";
        }

        if (pull["error"]?.GetValue<string>() is { } error)
        {
            return $"pull failed: {error}";
        }

        var layers = Number(pull["layers"]);
        var done = Number(pull["layersDone"]);
        if (layers == 0)
        {
            return "pulling: reading the manifest";
        }

        var bytes = Megabytes(Number(pull["bytesDone"]));
        var total = Megabytes(Number(pull["bytesTotal"]));
        return IsComplete(pull)
            ? string.Create(CultureInfo.InvariantCulture, $"pulled: {layers}/{layers} layers, {total} MB")
            : string.Create(CultureInfo.InvariantCulture, $"pulling: {done}/{layers} layers, {bytes}/{total} MB");
    }

    /// <summary>True when <paramref name="pull"/> reports every layer of a known manifest done, with no error.</summary>
    public static bool IsComplete(JsonNode pull) =>
        pull["error"] is null && Number(pull["layers"]) is > 0 and var layers && Number(pull["layersDone"]) == layers;

    private static long Number(JsonNode? node) => node is null ? 0 : node.GetValue<long>();

    private static string Megabytes(long bytes) => (bytes / 1_000_000.0).ToString("0.0", CultureInfo.InvariantCulture);
}
