using System.Formats.Tar;
using System.IO.Compression;

namespace Linnet.Platform.Universal.Images;

/// <summary>Applies image layers to a root directory as an overlay filesystem would (OCI image spec "Applying
/// Changesets"): whiteouts (<c>.wh.&lt;name&gt;</c>) delete what lower layers put there, an opaque whiteout
/// (<c>.wh..wh..opq</c>) empties its directory of lower content, later entries replace earlier ones. Entries never
/// land outside the root: <c>..</c> components are refused, and so is writing through a symbolic link.</summary>
internal static class LayerUnpacker
{
    private const string WhiteoutPrefix = ".wh.";
    private const string OpaqueWhiteout = ".wh..wh..opq";
    private const UnixFileMode PermissionBits = (UnixFileMode)0b111_111_111;

    /// <summary>Applies the layer in <paramref name="layerPath"/> (tar, gzip-compressed when
    /// <paramref name="gzip"/>) to <paramref name="root"/>.</summary>
    public static async Task ApplyAsync(string layerPath, bool gzip, string root, CancellationToken cancellationToken)
    {
        // Two passes: the whiteouts of a layer remove lower layers' content only, whatever their order in the tar.
        await ReadAsync(layerPath, gzip, entry => ApplyWhiteout(root, entry), cancellationToken).ConfigureAwait(false);
        await ReadAsync(layerPath, gzip, entry => Extract(root, entry), cancellationToken).ConfigureAwait(false);
    }

    private static async Task ReadAsync(string layerPath, bool gzip, Action<TarEntry> apply, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(layerPath, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous);
        await using Stream data = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
        await using var reader = new TarReader(data);
        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
        {
            apply(entry);
        }
    }

    private static void ApplyWhiteout(string root, TarEntry entry)
    {
        var parts = Split(entry.Name);
        if (parts.Length == 0 || !parts[^1].StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
        {
            return;
        }

        var parent = Resolve(root, parts[..^1]);
        if (!Directory.Exists(parent))
        {
            return;
        }

        if (parts[^1] == OpaqueWhiteout)
        {
            foreach (var child in new DirectoryInfo(parent).EnumerateFileSystemInfos())
            {
                Delete(child.FullName);
            }

            return;
        }

        var target = Path.Combine(parent, parts[^1][WhiteoutPrefix.Length..]);
        Delete(target);
    }

    private static void Extract(string root, TarEntry entry)
    {
        var parts = Split(entry.Name);
        if (parts.Length == 0 || parts[^1].StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
        {
            return;
        }

        var path = Resolve(root, parts);
        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                if (File.Exists(path) || IsLink(path))
                {
                    File.Delete(path);
                }

                Directory.CreateDirectory(path);
                SetMode(path, (entry.Mode & PermissionBits) | UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                break;
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                Delete(path);
                using (var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
                {
                    entry.DataStream?.CopyTo(output);
                }

                SetMode(path, (entry.Mode & PermissionBits) | UnixFileMode.UserRead | UnixFileMode.UserWrite);
                break;
            case TarEntryType.SymbolicLink:
                Delete(path);
                File.CreateSymbolicLink(path, entry.LinkName);
                break;
            case TarEntryType.HardLink:
                // The link target is a path inside the image; copied rather than linked (no hard-link API, and a
                // copy cannot alias anything outside the root).
                var source = Resolve(root, Split(entry.LinkName));
                if (!File.Exists(source) || IsLink(source))
                {
                    throw new InvalidDataException($"layer entry '{entry.Name}' is a hard link to '{entry.LinkName}', which is not a file of the image");
                }

                Delete(path);
                File.Copy(source, path);
                break;
            default:
                // Devices, FIFOs and the like cannot be made without root and are not needed to run a program.
                break;
        }
    }

    /// <summary>The path of <paramref name="parts"/> under <paramref name="root"/>, after checking that no existing
    /// parent is a symbolic link (writing through one could land outside the root); missing parents are created.</summary>
    private static string Resolve(string root, string[] parts)
    {
        var path = root;
        for (var i = 0; i < parts.Length; i++)
        {
            path = Path.Combine(path, parts[i]);
            if (i == parts.Length - 1)
            {
                break;
            }

            if (IsLink(path))
            {
                throw new InvalidDataException($"layer entry '{string.Join('/', parts)}' would be written through the symbolic link '{string.Join('/', parts[..(i + 1)])}'");
            }

            if (File.Exists(path))
            {
                File.Delete(path);
            }

            Directory.CreateDirectory(path);
        }

        return path;
    }

    private static string[] Split(string name)
    {
        var parts = name.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToArray();
        if (parts.Contains(".."))
        {
            throw new InvalidDataException($"layer entry '{name}' contains '..'");
        }

        return parts;
    }

    // A link (to a file or a directory, dangling or not) is reported by lstat, whatever its target.
    private static bool IsLink(string path) => new FileInfo(path).LinkTarget is not null;

    private static void Delete(string path)
    {
        if (IsLinkOrFile(path))
        {
            File.Delete(path);
        }
        else if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    // Permission bits only: setuid, setgid and sticky are dropped (nothing here runs as the image's owner).
    private static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    private static bool IsLinkOrFile(string path) => IsLink(path) || File.Exists(path);
}
