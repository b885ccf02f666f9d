using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Microsoft.Extensions.Logging;

namespace Linnet.Platform.Universal.Store;

/// <summary>
/// The universal platform's store: embedded, persisted under a data directory, safe against a crash or
/// <c>kill -9</c> at any moment. Every commit is one checksummed record appended to <c>wal.log</c> and fsynced
/// before it becomes visible; when the log grows past <see cref="FileStoreOptions.CompactAfterBytes"/> the
/// state goes to <c>snapshot.json</c> and the log starts over. A <c>LOCK</c> file keeps other processes out.
/// </summary>
/// <remarks>
/// Compaction writes <c>snapshot.json.tmp</c>, fsyncs it, renames it over <c>snapshot.json</c>, fsyncs the
/// directory, then replaces <c>wal.log</c> with an empty file the same way. A crash between any two steps
/// leaves either the old snapshot with the whole log, or the new snapshot with a log whose records it already
/// holds: recovery applies only records newer than the snapshot's revision.
/// </remarks>
public sealed partial class FileResourceStore : ResourceStoreBase
{
    /// <summary>The lock file's name.</summary>
    public const string LockFileName = "LOCK";

    private readonly FileStream _lockFile;
    private readonly WriteAheadLog _wal;
    private readonly FileStoreOptions _options;
    private readonly ILogger _logger;
    private long _compactAt;

    private FileResourceStore(string directory, FileStream lockFile, WriteAheadLog wal, FileStoreOptions options, ILogger logger)
        : base(options.MaxHistory)
    {
        DataDirectory = directory;
        _lockFile = lockFile;
        _wal = wal;
        _options = options;
        _logger = logger;
        _compactAt = options.CompactAfterBytes;
    }

    /// <summary>The full path of the data directory.</summary>
    public string DataDirectory { get; }

    /// <summary>Opens the store in <paramref name="directory"/> (created if missing): takes the lock, loads the
    /// snapshot, replays newer WAL records and cuts away a torn last record. Throws
    /// <see cref="DataDirectoryInUseException"/> when another process has the directory open, and
    /// <see cref="StoreCorruptedException"/> for damage that recovery cannot repair without losing data.</summary>
    public static async Task<FileResourceStore> OpenAsync(
        string directory,
        ILogger<FileResourceStore> logger,
        FileStoreOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(logger);
        options ??= new FileStoreOptions();
        ArgumentOutOfRangeException.ThrowIfNegative(options.CompactAfterBytes, nameof(options));

        var path = Path.GetFullPath(directory);
        if (!Directory.Exists(path))
        {
            Directory.CreateDirectory(path);
            if (Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(path)) is { Length: > 0 } parent)
            {
                NativeMethods.FlushDirectory(parent);
            }
        }

        var lockFile = AcquireLock(path);
        WriteAheadLog? wal = null;
        try
        {
            RemoveTemporaryFiles(path, logger);
            var snapshot = await StoreSnapshotFile.ReadAsync(path, cancellationToken);
            var recovery = await WriteAheadLog.OpenAsync(path, cancellationToken);
            wal = recovery.Log;
            if (recovery.TruncatedBytes > 0)
            {
                Log.TornTailTruncated(logger, recovery.TruncatedBytes, recovery.TruncatedOffset, Path.Combine(path, WriteAheadLog.FileName), recovery.TailProblem);
            }

            var snapshotRevision = snapshot?.Revision ?? 0;
            var resources = new Dictionary<ResourceKey, Resource>();
            foreach (var resource in snapshot?.Resources ?? [])
            {
                resources[resource.Key] = resource;
            }

            var revision = Replay(path, snapshotRevision, recovery.Records, resources, out var replayed);
            if (replayed == 0 && recovery.Records.Count > 0)
            {
                // A crash came after the snapshot's rename and before the log's reset: finish that compaction,
                // or the next commit would follow records older than the snapshot. The snapshot's rename may
                // not be durable yet (the crash skipped the directory fsync): make it so before emptying the log.
                NativeMethods.FlushDirectory(path);
                wal.Reset();
                Log.StaleLogReset(logger, recovery.Records.Count, snapshotRevision);
            }

            var store = new FileResourceStore(path, lockFile, wal, options, logger);
            store.Restore(revision, resources.Values);
            Log.Opened(logger, path, revision, resources.Count, snapshotRevision, replayed);
            return store;
        }
        catch
        {
            wal?.Dispose();
            await lockFile.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc />
    protected override Task PersistAsync(long revision, IReadOnlyList<CommittedChange> changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        cancellationToken.ThrowIfCancellationRequested();

        // Synchronous on purpose: commits are serialized and the fsync dominates; once the record is being
        // written, cancellation can no longer be honoured without leaving the caller unsure of the outcome.
        _wal.Append(revision, changes);
        if (_wal.Length > _compactAt)
        {
            Compact(revision, changes);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _wal.Dispose();

            // Last: the directory is free for another process only once every file is closed.
            _lockFile.Dispose();
        }

        base.Dispose(disposing);
    }

    private static FileStream AcquireLock(string directory)
    {
        try
        {
            // FileShare.None takes an exclusive advisory lock (flock) on Unix; the kernel drops it when the
            // process dies, so a crash never leaves the directory locked.
            return new FileStream(Path.Combine(directory, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new DataDirectoryInUseException(directory, ex);
        }
    }

    private static void RemoveTemporaryFiles(string directory, ILogger logger)
    {
        // Left by a crash in the middle of a compaction; never read.
        foreach (var name in new[] { StoreSnapshotFile.TemporaryFileName, WriteAheadLog.FileName + ".tmp" })
        {
            var path = Path.Combine(directory, name);
            if (File.Exists(path))
            {
                File.Delete(path);
                Log.TemporaryFileRemoved(logger, path);
            }
        }
    }

    private static long Replay(string directory, long snapshotRevision, IReadOnlyList<WalRecord> records, Dictionary<ResourceKey, Resource> resources, out int replayed)
    {
        var revision = snapshotRevision;
        replayed = 0;
        foreach (var record in records)
        {
            if (record.Revision <= snapshotRevision)
            {
                // Already in the snapshot: a crash came between the snapshot's rename and the log's reset.
                continue;
            }

            if (record.Revision != revision + 1)
            {
                throw new StoreCorruptedException(
                    $"{Path.Combine(directory, WriteAheadLog.FileName)} continues at revision {record.Revision}, but the state before it ends at revision {revision}"
                    + $" ({(snapshotRevision > 0 ? $"{StoreSnapshotFile.FileName} has revision {snapshotRevision}" : $"there is no {StoreSnapshotFile.FileName}")}): commits are missing.");
            }

            foreach (var entry in record.Entries)
            {
                if (entry.Json is { } json)
                {
                    var parsed = ManifestParser.Parse(json, $"{WriteAheadLog.FileName} revision {record.Revision}", ManifestOrigin.Store);
                    if (!parsed.IsValid || parsed.Resources.Count != 1)
                    {
                        throw new StoreCorruptedException(
                            $"{Path.Combine(directory, WriteAheadLog.FileName)}: revision {record.Revision} holds a resource that cannot be read: {string.Join("; ", parsed.Errors.Take(5))}");
                    }

                    var resource = parsed.Resources[0];
                    resources[resource.Key] = resource;
                }
                else if (entry.Deleted is { } key)
                {
                    resources.Remove(key);
                }
            }

            revision = record.Revision;
            replayed++;
        }

        return revision;
    }

    private void Compact(long revision, IReadOnlyList<CommittedChange> changes)
    {
        var walBytes = _wal.Length;

        // The commit being persisted is not visible yet: the state at this revision is the current one plus it.
        var resources = new Dictionary<ResourceKey, Resource>(Snapshot().Resources);
        foreach (var change in changes)
        {
            if (change.Resource is { } resource)
            {
                resources[change.Key] = resource;
            }
            else
            {
                resources.Remove(change.Key);
            }
        }

        long snapshotBytes;
        try
        {
            snapshotBytes = StoreSnapshotFile.Write(DataDirectory, revision, resources.Values);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The commit is durable in the log; keep appending and try again after another threshold's worth.
            _compactAt = walBytes + _options.CompactAfterBytes;
            Log.CompactionFailed(_logger, revision, ex);
            return;
        }

        try
        {
            _wal.Reset();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The snapshot holds every record, so the old log stays correct; if the reset got halfway, the log
            // refuses further appends rather than write where nobody will read.
            _compactAt = walBytes + _options.CompactAfterBytes;
            Log.CompactionFailed(_logger, revision, ex);
            return;
        }

        _compactAt = _options.CompactAfterBytes;
        Log.Compacted(_logger, revision, resources.Count, snapshotBytes, walBytes);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Opened store in {Directory} at revision {Revision}: {Resources} resources (snapshot revision {SnapshotRevision}, {Replayed} log records replayed)")]
        public static partial void Opened(ILogger logger, string directory, long revision, int resources, long snapshotRevision, int replayed);

        [LoggerMessage(2, LogLevel.Warning, "Cut {Bytes} bytes at offset {Offset} from the end of {Path} ({Problem}): an incomplete last record, never acknowledged")]
        public static partial void TornTailTruncated(ILogger logger, int bytes, int offset, string path, string? problem);

        [LoggerMessage(3, LogLevel.Information, "Compacted at revision {Revision}: {Resources} resources in a {SnapshotBytes}-byte snapshot, log of {WalBytes} bytes reset")]
        public static partial void Compacted(ILogger logger, long revision, int resources, long snapshotBytes, long walBytes);

        [LoggerMessage(4, LogLevel.Warning, "Compaction at revision {Revision} failed; the log keeps every commit and compaction will be retried")]
        public static partial void CompactionFailed(ILogger logger, long revision, Exception exception);

        [LoggerMessage(5, LogLevel.Debug, "Removed {Path}, left by an interrupted compaction")]
        public static partial void TemporaryFileRemoved(ILogger logger, string path);

        [LoggerMessage(6, LogLevel.Information, "Emptied the log: its {Records} records are all in the snapshot of revision {SnapshotRevision} (an interrupted compaction)")]
        public static partial void StaleLogReset(ILogger logger, int records, long snapshotRevision);
    }
}
