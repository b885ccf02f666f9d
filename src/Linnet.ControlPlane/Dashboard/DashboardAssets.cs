using System.Collections.Frozen;

namespace Linnet.ControlPlane.Dashboard;

/// <summary>The dashboard's files, embedded in the assembly (nothing is read from disk or fetched at run
/// time): the name under <c>/dashboard/</c> → bytes and media type.</summary>
internal static class DashboardAssets
{
    private const string ResourcePrefix = "Linnet.ControlPlane.Dashboard.wwwroot.";

    private static readonly FrozenDictionary<string, (byte[] Bytes, string ContentType)> Files = Load();

    /// <summary>The file at <paramref name="name"/> (no leading slash), if the dashboard has one.</summary>
    public static bool TryGet(string name, out byte[] bytes, out string contentType)
    {
        if (Files.TryGetValue(name, out var file))
        {
            (bytes, contentType) = file;
            return true;
        }

        bytes = [];
        contentType = "";
        return false;
    }

    private static FrozenDictionary<string, (byte[], string)> Load()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var name = resource[ResourcePrefix.Length..];
            files[name] = (copy.ToArray(), ContentType(name));
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
}
