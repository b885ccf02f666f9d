using System.Formats.Tar;
using System.Text;
using Linnet.Platform.Universal.Images;
using Linnet.Platform.Universal.Tests.Supervisor;

namespace Linnet.Platform.Universal.Tests.Images;

/// <summary>Layers applied as the OCI image spec's "Applying Changesets" says: whiteouts, opaque directories,
/// replacement; and entries that would escape the root refused.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LayerUnpackerTests
{
    [Fact]
    public async Task ApplyAsync_WhiteoutsAndOpaqueDirectory_RemoveLowerContentOnly()
    {
        using var dir = new ScratchDirectory();
        var root = Path.Combine(dir.Path, "root");
        Directory.CreateDirectory(root);
        var lower = Layer(dir.Path, "lower.tar", w =>
        {
            Dir(w, "etc/");
            File(w, "etc/keep", "keep");
            File(w, "etc/gone", "gone");
            Dir(w, "data/");
            File(w, "data/old1", "1");
            File(w, "data/old2", "2");
            File(w, "bin/tool", "v1", (UnixFileMode)0b111_101_101);
        });
        // The opaque marker comes after the layer's own file in the tar: it must still only clear lower content.
        var upper = Layer(dir.Path, "upper.tar", w =>
        {
            File(w, "data/new", "new");
            File(w, "data/.wh..wh..opq", "");
            File(w, "etc/.wh.gone", "");
            File(w, "bin/tool", "v2", (UnixFileMode)0b111_101_101);
        });

        await LayerUnpacker.ApplyAsync(lower, gzip: false, root, TestContext.Current.CancellationToken);
        await LayerUnpacker.ApplyAsync(upper, gzip: false, root, TestContext.Current.CancellationToken);

        Assert.Equal("keep", System.IO.File.ReadAllText(Path.Combine(root, "etc/keep")));
        Assert.False(System.IO.File.Exists(Path.Combine(root, "etc/gone")));
        Assert.False(System.IO.File.Exists(Path.Combine(root, "etc/.wh.gone")));
        Assert.Equal(["new"], Directory.GetFileSystemEntries(Path.Combine(root, "data")).Select(Path.GetFileName));
        Assert.Equal("v2", System.IO.File.ReadAllText(Path.Combine(root, "bin/tool")));
        Assert.True(System.IO.File.GetUnixFileMode(Path.Combine(root, "bin/tool")).HasFlag(UnixFileMode.OtherExecute));
    }

    [Theory]
    [InlineData("../outside")]
    [InlineData("a/../../outside")]
    public async Task ApplyAsync_EntryWithDotDot_Refused(string name)
    {
        using var dir = new ScratchDirectory();
        var root = Path.Combine(dir.Path, "root");
        Directory.CreateDirectory(root);
        var layer = Layer(dir.Path, "evil.tar", w => File(w, name, "x"));

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => LayerUnpacker.ApplyAsync(layer, gzip: false, root, TestContext.Current.CancellationToken));

        Assert.Contains("contains '..'", error.Message, StringComparison.Ordinal);
        Assert.False(System.IO.File.Exists(Path.Combine(dir.Path, "outside")));
    }

    [Fact]
    public async Task ApplyAsync_WriteThroughSymlink_Refused()
    {
        using var dir = new ScratchDirectory();
        var root = Path.Combine(dir.Path, "root");
        var outside = Path.Combine(dir.Path, "outside");
        Directory.CreateDirectory(root);
        Directory.CreateDirectory(outside);
        var layer = Layer(dir.Path, "evil.tar", w =>
        {
            var link = new PaxTarEntry(TarEntryType.SymbolicLink, "escape") { LinkName = outside };
            w.WriteEntry(link);
            File(w, "escape/planted", "x");
        });

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => LayerUnpacker.ApplyAsync(layer, gzip: false, root, TestContext.Current.CancellationToken));

        Assert.Contains("would be written through the symbolic link 'escape'", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(outside));
    }

    private static string Layer(string dir, string name, Action<TarWriter> write)
    {
        var path = Path.Combine(dir, name);
        using var stream = System.IO.File.Create(path);
        using var writer = new TarWriter(stream, TarEntryFormat.Pax);
        write(writer);
        return path;
    }

    private static void Dir(TarWriter w, string name) =>
        w.WriteEntry(new PaxTarEntry(TarEntryType.Directory, name) { Mode = (UnixFileMode)0b111_101_101 });

    private static void File(TarWriter w, string name, string content, UnixFileMode mode = (UnixFileMode)0b110_100_100) =>
        w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { Mode = mode, DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) });
}
