using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Linnet.Registry.Tests.Infrastructure;

/// <summary>An OCI image built by a test: gzip tar layers made from files, a config with entrypoint/env/working
/// directory, and the manifest (OCI image spec v1.1 shapes).</summary>
public sealed record TestImage(byte[] Config, IReadOnlyList<byte[]> Layers, byte[] Manifest)
{
    /// <summary>The manifest's digest: what a tag pointing at it resolves to.</summary>
    public string Digest => DigestOf(Manifest);

    /// <summary>Builds an image whose layers hold <paramref name="layers"/> (each: path → (text, mode)).</summary>
    public static TestImage Build(IReadOnlyList<IReadOnlyDictionary<string, (string Content, UnixFileMode Mode)>> layers, string[] entrypoint, string[] cmd, string[] env, string workingDir, string architecture = "amd64") =>
        BuildFromBytes(
            [.. layers.Select(l => (IReadOnlyDictionary<string, (byte[], UnixFileMode)>)l.ToDictionary(f => f.Key, f => (Encoding.UTF8.GetBytes(f.Value.Content), f.Value.Mode)))],
            entrypoint, cmd, env, workingDir, architecture);

    /// <summary>Builds an image whose layers hold <paramref name="layers"/> (each: path → (bytes, mode)).</summary>
    public static TestImage BuildFromBytes(IReadOnlyList<IReadOnlyDictionary<string, (byte[] Content, UnixFileMode Mode)>> layers, string[] entrypoint, string[] cmd, string[] env, string workingDir, string architecture = "amd64")
    {
        var blobs = new List<byte[]>();
        var diffIds = new List<string>();
        foreach (var files in layers)
        {
            var tar = Tar(files);
            diffIds.Add(DigestOf(tar));
            blobs.Add(Gzip(tar));
        }

        var config = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["architecture"] = architecture,
            ["os"] = "linux",
            ["config"] = new Dictionary<string, object> { ["Entrypoint"] = entrypoint, ["Cmd"] = cmd, ["Env"] = env, ["WorkingDir"] = workingDir },
            ["rootfs"] = new Dictionary<string, object> { ["type"] = "layers", ["diff_ids"] = diffIds },
        });
        var manifest = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = MediaTypes.OciManifest,
            ["config"] = Descriptor(MediaTypes.OciConfig, config),
            ["layers"] = blobs.Select(b => Descriptor(MediaTypes.OciLayerGzip, b)).ToArray(),
        });
        return new TestImage(config, blobs, manifest);
    }

    /// <summary>A one-layer image with a shell script at <c>/app/run.sh</c> printing <paramref name="message"/>.</summary>
    public static TestImage Script(string message, int padding = 0) => Build(
        [new Dictionary<string, (string, UnixFileMode)>
        {
            ["app/run.sh"] = ($"#!/bin/sh\necho {message}\n", (UnixFileMode)0b111_101_101),
            ["app/padding.txt"] = (RandomText(padding), (UnixFileMode)0b110_100_100),
        }],
        ["/app/run.sh"], [], ["GREETING=" + message], "/app");

    /// <summary>An OCI index over <paramref name="entries"/> (manifest bytes and their architecture).</summary>
    public static byte[] Index(params (byte[] Manifest, string Architecture)[] entries) => JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
    {
        ["schemaVersion"] = 2,
        ["mediaType"] = MediaTypes.OciIndex,
        ["manifests"] = entries.Select(e => new Dictionary<string, object>
        {
            ["mediaType"] = MediaTypes.OciManifest,
            ["digest"] = DigestOf(e.Manifest),
            ["size"] = e.Manifest.Length,
            ["platform"] = new Dictionary<string, string> { ["os"] = "linux", ["architecture"] = e.Architecture },
        }).ToArray(),
    });

    /// <summary><c>sha256:&lt;hex&gt;</c> of <paramref name="bytes"/>.</summary>
    public static string DigestOf(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static Dictionary<string, object> Descriptor(string mediaType, byte[] blob) =>
        new() { ["mediaType"] = mediaType, ["digest"] = DigestOf(blob), ["size"] = blob.Length };

    private static byte[] Tar(IReadOnlyDictionary<string, (byte[] Content, UnixFileMode Mode)> files)
    {
        using var stream = new MemoryStream();
        using (var writer = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (path, (content, mode)) in files)
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, path) { Mode = mode, DataStream = new MemoryStream(content) };
                writer.WriteEntry(entry);
            }
        }

        return stream.ToArray();
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    // Incompressible, so a layer's size is about its padding.
    private static string RandomText(int length) => length == 0 ? "" : Convert.ToBase64String(RandomNumberGenerator.GetBytes(length))[..length];
}
