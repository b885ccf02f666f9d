using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;

namespace Linnet.ControlPlane.Tests.Infrastructure;

/// <summary>An in-memory store with the faults a durable one can show: a first watch whose history is
/// already compacted (after a burst of commits larger than the history), commits that cannot be persisted.</summary>
internal sealed class FaultyStore : IResourceStore, IDisposable
{
    private readonly InMemoryResourceStore _inner = new();
    private int _watches;

    /// <summary>Compact the first watch that starts at this revision or later (null: never). A revision rather than
    /// "the first watch" because the control plane's own controllers (route status) watch from its start.</summary>
    public long? CompactFirstWatchFrom { get; init; }

    public bool FailCommits { get; set; }

    public long Revision => _inner.Revision;

    public StoreSnapshot Snapshot() => _inner.Snapshot();

    public Resource? Find(ResourceKey key) => _inner.Find(key);

    public Task<CommitResult> CommitAsync(IReadOnlyList<StoreChange> changes, CancellationToken cancellationToken = default) =>
        FailCommits ? Task.FromException<CommitResult>(new IOException("No space left on device")) : _inner.CommitAsync(changes, cancellationToken);

    public IAsyncEnumerable<WatchEvent> WatchAsync(long afterRevision, CancellationToken cancellationToken = default) =>
        afterRevision >= CompactFirstWatchFrom && Interlocked.Increment(ref _watches) == 1 ? CompactedAsync(afterRevision) : _inner.WatchAsync(afterRevision, cancellationToken);

    public void Dispose() => _inner.Dispose();

    private static async IAsyncEnumerable<WatchEvent> CompactedAsync(long afterRevision)
    {
        await Task.Yield();
        if (afterRevision >= 0)
        {
            throw new RevisionCompactedException(afterRevision, afterRevision + 1);
        }

        yield break;
    }
}
