using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Store;

/// <summary>The store's semantics, shared by every implementation: commits are serialized, validated
/// against expected versions, made durable by <see cref="PersistAsync"/> before anyone can see them, then
/// published to watchers in revision order. Implementations only decide where bytes go.</summary>
public abstract class ResourceStoreBase : IResourceStore, IDisposable
{
    /// <summary>How many events are kept for watches that resume from an older revision.</summary>
    public const int DefaultHistory = 10_000;

    private readonly SemaphoreSlim _commitLock = new(1, 1);
    private readonly Lock _watchLock = new();
    private readonly List<Channel<WatchEvent>> _watchers = [];
    private readonly Queue<WatchEvent> _history = new();
    private readonly int _maxHistory;
    private ImmutableDictionary<ResourceKey, Resource> _resources = ImmutableDictionary<ResourceKey, Resource>.Empty;
    private long _revision;
    private long _oldestWatchable;

    /// <summary>Creates an empty store.</summary>
    protected ResourceStoreBase(int maxHistory = DefaultHistory)
    {
        _maxHistory = maxHistory;
    }

    /// <inheritdoc />
    public long Revision => Volatile.Read(ref _revision);

    /// <inheritdoc />
    public StoreSnapshot Snapshot()
    {
        lock (_watchLock)
        {
            return new StoreSnapshot(_revision, _resources);
        }
    }

    /// <inheritdoc />
    public Resource? Find(ResourceKey key) => _resources.GetValueOrDefault(key);

    /// <inheritdoc />
    public async Task<CommitResult> CommitAsync(IReadOnlyList<StoreChange> changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        await _commitLock.WaitAsync(cancellationToken);
        try
        {
            var revision = _revision + 1;
            var working = _resources.ToBuilder();
            var results = new List<Resource?>(changes.Count);
            var committed = new List<CommittedChange>();
            var events = new List<WatchEvent>();
            foreach (var change in changes)
            {
                var current = working.GetValueOrDefault(change.Key);
                if (change.ExpectedVersion is { } expected && (current?.Metadata.ResourceVersion ?? 0) != expected)
                {
                    throw new ConflictException(change.Key, expected, current?.Metadata.ResourceVersion ?? 0);
                }

                switch (change)
                {
                    case PutChange { Resource: var resource }:
                        if (current is not null && current.ContentEquals(resource))
                        {
                            results.Add(current);
                            break;
                        }

                        var generation = current is null ? 1 : current.SpecEquals(resource) ? current.Metadata.Generation : current.Metadata.Generation + 1;
                        var stored = resource with { Metadata = resource.Metadata with { ResourceVersion = revision, Generation = generation } };
                        working[change.Key] = stored;
                        committed.Add(new CommittedChange(change.Key, stored));
                        events.Add(new WatchEvent(current is null ? WatchEventType.Added : WatchEventType.Modified, stored, revision));
                        results.Add(stored);
                        break;
                    case DeleteChange:
                        if (current is not null)
                        {
                            working.Remove(change.Key);
                            committed.Add(new CommittedChange(change.Key, null));
                            events.Add(new WatchEvent(WatchEventType.Deleted, current with { Metadata = current.Metadata with { ResourceVersion = revision } }, revision));
                        }

                        results.Add(null);
                        break;
                }
            }

            if (committed.Count == 0)
            {
                return new CommitResult(_revision, results, []);
            }

            await PersistAsync(revision, committed, cancellationToken);
            Publish(revision, working.ToImmutable(), events);
            return new CommitResult(revision, results, events);
        }
        finally
        {
            _commitLock.Release();
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<WatchEvent> WatchAsync(long afterRevision, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateUnbounded<WatchEvent>(new UnboundedChannelOptions { SingleReader = true });
        List<WatchEvent> backlog;
        lock (_watchLock)
        {
            if (afterRevision < _oldestWatchable)
            {
                throw new RevisionCompactedException(afterRevision, _oldestWatchable);
            }

            backlog = _history.Where(e => e.Revision > afterRevision).ToList();
            _watchers.Add(channel);
        }

        try
        {
            foreach (var e in backlog)
            {
                yield return e;
            }

            await foreach (var e in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return e;
            }
        }
        finally
        {
            lock (_watchLock)
            {
                _watchers.Remove(channel);
            }
        }
    }

    /// <summary>Makes a commit durable. Called with commits serialized, before the commit is visible.</summary>
    protected abstract Task PersistAsync(long revision, IReadOnlyList<CommittedChange> changes, CancellationToken cancellationToken);

    /// <summary>Sets the state recovered from durable storage; call before the store is used.</summary>
    protected void Restore(long revision, IEnumerable<Resource> resources)
    {
        ArgumentNullException.ThrowIfNull(resources);
        lock (_watchLock)
        {
            _resources = resources.ToImmutableDictionary(r => r.Key);
            _revision = revision;
            _oldestWatchable = revision;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases resources.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _commitLock.Dispose();
            lock (_watchLock)
            {
                foreach (var watcher in _watchers)
                {
                    watcher.Writer.TryComplete();
                }
            }
        }
    }

    private void Publish(long revision, ImmutableDictionary<ResourceKey, Resource> resources, List<WatchEvent> events)
    {
        lock (_watchLock)
        {
            _resources = resources;
            Volatile.Write(ref _revision, revision);
            foreach (var e in events)
            {
                _history.Enqueue(e);
            }

            while (_history.Count > _maxHistory)
            {
                _oldestWatchable = _history.Dequeue().Revision;
            }

            foreach (var watcher in _watchers)
            {
                foreach (var e in events)
                {
                    watcher.Writer.TryWrite(e);
                }
            }
        }
    }
}
