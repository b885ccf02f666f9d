using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Store;

/// <summary>Where resources live: get, list, atomic commits with optimistic concurrency, and watches from a
/// revision (etcd's model: one global revision per commit). The universal platform persists it on disk;
/// on Kubernetes the API server plays this role.</summary>
public interface IResourceStore
{
    /// <summary>The revision of the last commit (0 for an empty store).</summary>
    long Revision { get; }

    /// <summary>Every resource at the current revision.</summary>
    StoreSnapshot Snapshot();

    /// <summary>One resource, or null.</summary>
    Resource? Find(ResourceKey key);

    /// <summary>Applies every change or none. Throws <see cref="ConflictException"/> when an expected version
    /// does not hold. A put identical to what is stored (spec, labels, annotations, status) is a no-op. The
    /// result is durable when the task completes.</summary>
    Task<CommitResult> CommitAsync(IReadOnlyList<StoreChange> changes, CancellationToken cancellationToken = default);

    /// <summary>Events of every commit after <paramref name="afterRevision"/>, then live ones, until canceled.
    /// Throws <see cref="RevisionCompactedException"/> when that history is no longer kept.</summary>
    IAsyncEnumerable<WatchEvent> WatchAsync(long afterRevision, CancellationToken cancellationToken = default);
}
