namespace Linnet.Platform.Universal.Tests.Store;

/// <summary>A fresh data directory, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("linnet-store-").FullName;
    }

    public string Path { get; }

    public string Wal => System.IO.Path.Combine(Path, "wal.log");

    public string Snapshot => System.IO.Path.Combine(Path, "snapshot.json");

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
