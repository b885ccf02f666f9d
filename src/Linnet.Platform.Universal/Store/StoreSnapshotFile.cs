using System.Globalization;
using System.Text;
using System.Text.Json;
using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.Platform.Universal.Store;

/// <summary>
/// <c>snapshot.json</c>: every resource at one revision, as
/// <c>{"format":1,"revision":N,"count":M,"resources":[ one JSON line per resource ]}</c>. Written to a temporary
/// file, fsynced, renamed over the old one and the directory fsynced, so it is always a whole snapshot.
/// </summary>
internal static class StoreSnapshotFile
{
    public const string FileName = "snapshot.json";
    public const string TemporaryFileName = FileName + ".tmp";

    private const int FormatVersion = 1;

    /// <summary>The snapshot in <paramref name="directory"/>, or null when there is none.</summary>
    public static async Task<(long Revision, IReadOnlyList<Resource> Resources)?> ReadAsync(string directory, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        long revision;
        int count;
        var documents = new StringBuilder(bytes.Length + 64);
        try
        {
            using var json = JsonDocument.Parse(bytes);
            var root = json.RootElement;
            var format = root.GetProperty("format").GetInt32();
            if (format != FormatVersion)
            {
                throw new StoreCorruptedException($"{path} has format {format}; this build reads format {FormatVersion}.");
            }

            revision = root.GetProperty("revision").GetInt64();
            count = root.GetProperty("count").GetInt32();
            var resources = root.GetProperty("resources");
            if (resources.GetArrayLength() != count)
            {
                throw new StoreCorruptedException($"{path} declares {count} resources but holds {resources.GetArrayLength()}.");
            }

            foreach (var resource in resources.EnumerateArray())
            {
                // JSON is YAML: one document per resource, read back by the one manifest reader.
                documents.Append("---\n").Append(resource.GetRawText()).Append('\n');
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new StoreCorruptedException($"{path} cannot be read: {ex.Message}", ex);
        }

        var parsed = ManifestParser.Parse(documents.ToString(), path, ManifestOrigin.Store);
        if (!parsed.IsValid)
        {
            throw new StoreCorruptedException($"{path} holds invalid resources: {string.Join("; ", parsed.Errors.Take(5))}");
        }

        if (parsed.Resources.Count != count)
        {
            throw new StoreCorruptedException($"{path} declares {count} resources but {parsed.Resources.Count} could be read.");
        }

        return (revision, parsed.Resources);
    }

    /// <summary>Writes the snapshot of <paramref name="revision"/> durably; returns its size in bytes.</summary>
    public static long Write(string directory, long revision, IReadOnlyCollection<Resource> resources)
    {
        var temporary = Path.Combine(directory, TemporaryFileName);
        long size;
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 64 * 1024))
        {
            using (var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 64 * 1024, leaveOpen: true))
            {
                writer.NewLine = "\n";
                writer.Write(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{{\"format\":{FormatVersion},\"revision\":{revision},\"count\":{resources.Count},\"resources\":["));
                var first = true;
                foreach (var resource in resources)
                {
                    writer.Write(first ? "\n" : ",\n");
                    writer.Write(ResourceWriter.ToJsonLine(resource));
                    first = false;
                }

                writer.Write("\n]}\n");
            }

            stream.Flush(flushToDisk: true);
            size = stream.Length;
        }

        File.Move(temporary, Path.Combine(directory, FileName), overwrite: true);
        NativeMethods.FlushDirectory(directory);
        return size;
    }
}
