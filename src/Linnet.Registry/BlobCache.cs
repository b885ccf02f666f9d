using System.Collections.Concurrent;

namespace Linnet.Registry;

/// <summary>A content-addressed store of verified blobs on disk: <c>&lt;root&gt;/blobs/sha256/&lt;hex&gt;</c>. A blob
/// being downloaded lives beside it as <c>&lt;hex&gt;.partial</c> until its digest checks out, then is renamed into
/// place, so a file under its digest's name is always the verified content, and a partial one is resumed by the
/// next download. Directories are owner-only (0700).</summary>
public sealed class BlobCache
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    /// <summary>Creates (or opens) the cache under <paramref name="root"/>.</summary>
    public BlobCache(string root)
    {
        ArgumentNullException.ThrowIfNull(root);
        Root = Path.GetFullPath(root);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(BlobDirectory);
        }
        else
        {
            Directory.CreateDirectory(BlobDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>The cache's directory.</summary>
    public string Root { get; }

    private string BlobDirectory => Path.Combine(Root, "blobs", "sha256");

    /// <summary>Where a verified blob lives.</summary>
    public string PathOf(ContentDigest digest)
    {
        ArgumentNullException.ThrowIfNull(digest);
        return Path.Combine(BlobDirectory, digest.Hex);
    }

    /// <summary>Where an unfinished download of the blob lives.</summary>
    public string PartialPathOf(ContentDigest digest) => PathOf(digest) + ".partial";

    /// <summary>True when the verified blob is present.</summary>
    public bool Contains(ContentDigest digest) => File.Exists(PathOf(digest));

    /// <summary>Opens a verified blob for reading.</summary>
    public FileStream OpenRead(ContentDigest digest) => new(PathOf(digest), FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous);

    /// <summary>Stores small content (a manifest, a config) after checking its digest.</summary>
    public async Task PutAsync(ContentDigest digest, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        if (ContentDigest.Of(content.Span) != digest)
        {
            throw new RegistryException($"content does not match its digest {digest}");
        }

        var partial = PartialPathOf(digest) + "." + Environment.ProcessId;
        await File.WriteAllBytesAsync(partial, content.ToArray(), cancellationToken).ConfigureAwait(false);
        File.Move(partial, PathOf(digest), overwrite: true);
    }

    /// <summary>Serialises downloads of one blob within this process.</summary>
    internal async Task<IDisposable> LockAsync(ContentDigest digest, CancellationToken cancellationToken)
    {
        var gate = _locks.GetOrAdd(digest.Hex, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Release(gate);
    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
