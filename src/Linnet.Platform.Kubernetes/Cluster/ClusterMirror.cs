using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Microsoft.Extensions.Logging;

namespace Linnet.Platform.Kubernetes.Cluster;

/// <summary>The cluster's objects in the control plane's store (<see cref="IResourceStore"/>, the same one universal
/// mode fills from apply and its supervisor): informers hand it lists and watch events, it converts each object
/// (<see cref="ClusterObjects"/>) and commits what changed, so the translator, the Destination API and every
/// controller see the cluster as they see a universal mesh. It keeps each object as the cluster sent it (for
/// status writes guarded by the cluster's resourceVersion) and why an object was refused.</summary>
public sealed partial class ClusterMirror(IResourceStore store, ILogger<ClusterMirror> logger) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<(WatchedType Type, string Namespace, string Name), Mirrored> _objects = [];
    private readonly Dictionary<ResourceKey, (WatchedType Type, JsonObject Object)> _byKey = [];
    private readonly Dictionary<string, IReadOnlyList<string>> _refused = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _notActedOn = new(StringComparer.Ordinal);

    /// <summary>The store it fills.</summary>
    public IResourceStore Store => store;

    /// <summary>Whether this replica's store is the truth of Linnet's records (<see cref="WatchedType.Records"/>): true
    /// while it leads, when the control plane writes them and <see cref="ClusterRecordWriter"/> takes them to the cluster.
    /// A record the store already holds is then not overwritten by the cluster's copy (which may be an older write of its
    /// own still on its way back); one it lacks (a restart) is taken, and a deletion on the cluster is followed.</summary>
    public Func<bool> OwnsRecords { get; set; } = static () => false;

    /// <summary>The store keys of the objects of <paramref name="type"/> mirrored now.</summary>
    public IReadOnlyList<ResourceKey> KeysOf(WatchedType type)
    {
        lock (_byKey)
        {
            return _objects.Where(kv => kv.Key.Type == type && kv.Value.Key is not null).Select(kv => kv.Value.Key!.Value).ToList();
        }
    }

    /// <summary>Objects refused (<c>kind namespace/name</c>) with their reasons, as the last event left them.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Refused
    {
        get
        {
            lock (_refused)
            {
                return new Dictionary<string, IReadOnlyList<string>>(_refused, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Objects mirrored with something Linnet does not act on yet (<c>kind namespace/name</c>), with the reason
    /// (<see cref="ClusterObjects.NotActedOn"/>), as the last event left them.</summary>
    public IReadOnlyDictionary<string, string> NotActedOn
    {
        get
        {
            lock (_refused)
            {
                return new Dictionary<string, string>(_notActedOn, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>The cluster object a stored resource came from, with its type; null when it did not come from one.</summary>
    public (WatchedType Type, JsonObject Object)? Source(ResourceKey key)
    {
        lock (_byKey)
        {
            return _byKey.TryGetValue(key, out var found) ? (found.Type, (JsonObject)found.Object.DeepClone()) : null;
        }
    }

    /// <summary>A list's answer: every object of <paramref name="type"/> now; those not in it are gone.</summary>
    public async Task ReplaceAsync(WatchedType type, IReadOnlyList<JsonObject> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var changes = new List<StoreChange>();
            var listed = items.Select(i => Id(type, i)).ToHashSet();
            foreach (var gone in _objects.Keys.Where(k => k.Type == type && !listed.Contains(k)).ToList())
            {
                Forget(gone, changes);
            }

            foreach (var item in items)
            {
                Take(type, item, changes);
            }

            await CommitAsync(changes, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Sends every object of <paramref name="type"/> through again (a resync): converted afresh, committed
    /// where the result differs.</summary>
    public Task ResyncAsync(WatchedType type, CancellationToken cancellationToken)
    {
        List<JsonObject> current;
        lock (_byKey)
        {
            current = _objects.Where(kv => kv.Key.Type == type).Select(kv => kv.Value.Object).ToList();
        }

        return ReplaceAsync(type, current, cancellationToken);
    }

    /// <summary>An ADDED or MODIFIED event.</summary>
    public Task UpsertAsync(WatchedType type, JsonObject obj, CancellationToken cancellationToken) =>
        OneAsync(changes => Take(type, obj, changes), cancellationToken);

    /// <summary>A DELETED event.</summary>
    public Task DeleteAsync(WatchedType type, JsonObject obj, CancellationToken cancellationToken) =>
        OneAsync(changes => Forget(Id(type, obj), changes), cancellationToken);

    private async Task OneAsync(Action<List<StoreChange>> change, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var changes = new List<StoreChange>();
            change(changes);
            await CommitAsync(changes, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task CommitAsync(List<StoreChange> changes, CancellationToken cancellationToken)
    {
        if (changes.Count > 0)
        {
            var result = await store.CommitAsync(changes, cancellationToken);
            Log.Committed(logger, changes.Count, result.Revision);
        }
    }

    private static (WatchedType, string, string) Id(WatchedType type, JsonObject obj) =>
        (type, obj["metadata"]?["namespace"]?.GetValue<string>() ?? "", obj["metadata"]?["name"]?.GetValue<string>() ?? "");

    private void Take(WatchedType type, JsonObject obj, List<StoreChange> changes)
    {
        var id = Id(type, obj);
        var errors = new List<string>();
        var resource = ClusterObjects.ToResource(type, obj, errors);
        if (resource is not null && Holder(resource.Key) is { } holder && holder != type)
        {
            // Two groups of one kind whose objects share a key (a flagger.app and a linnet.io Canary of one name): both
            // would drive the same objects, so the one mirrored first is kept and this one refused until it is gone.
            errors.Add($"metadata.name: {type.Kind} {id.Item2}/{id.Item3} of {holder.ApiVersion} is already mirrored, and this one ({type.ApiVersion}) would be the same object to the control plane (its -primary Deployment, Services and HTTPRoute): rename or delete one of them");
            resource = null;
        }

        var label = $"{type.Kind} {id.Item2}/{id.Item3}";
        lock (_refused)
        {
            if (errors.Count > 0)
            {
                _refused[label] = errors;
                Log.Refused(logger, label, string.Join("; ", errors));
            }
            else
            {
                _refused.Remove(label);
            }

            var notActedOn = resource is null ? null : ClusterObjects.NotActedOn(type, obj);
            if (notActedOn is null)
            {
                _notActedOn.Remove(label);
            }
            else if (!_notActedOn.TryGetValue(label, out var before) || before != notActedOn)
            {
                _notActedOn[label] = notActedOn;
                Log.NotActedOn(logger, label, notActedOn);
            }
        }

        var previous = _objects.GetValueOrDefault(id);
        if (previous?.Key is { } oldKey && oldKey != resource?.Key)
        {
            changes.Add(new DeleteChange(oldKey));
            lock (_byKey)
            {
                _byKey.Remove(oldKey);
            }
        }

        lock (_byKey)
        {
            _objects[id] = new Mirrored(obj, resource?.Key);
            if (resource is not null)
            {
                _byKey[resource.Key] = (type, obj);
            }
        }

        if (resource is not null && !(WatchedType.Records.Contains(type) && OwnsRecords() && store.Snapshot().Resources.ContainsKey(resource.Key)))
        {
            changes.Add(new PutChange(resource));
        }
    }

    private WatchedType? Holder(ResourceKey key)
    {
        lock (_byKey)
        {
            return _byKey.TryGetValue(key, out var held) ? held.Type : null;
        }
    }

    private void Forget((WatchedType Type, string Namespace, string Name) id, List<StoreChange> changes)
    {
        List<KeyValuePair<(WatchedType Type, string Namespace, string Name), Mirrored>> waiting = [];
        lock (_byKey)
        {
            if (_objects.Remove(id, out var previous) && previous.Key is { } key)
            {
                _byKey.Remove(key);
                changes.Add(new DeleteChange(key));

                // A namesake of another group refused while this one held the key takes it now.
                waiting = [.. _objects.Where(kv => kv.Value.Key is null && kv.Key.Namespace == id.Namespace && kv.Key.Name == id.Name && kv.Key.Type.Kind == id.Type.Kind && kv.Key.Type != id.Type)];
            }
        }

        foreach (var (other, mirrored) in waiting)
        {
            Take(other.Type, mirrored.Object, changes);
        }

        lock (_refused)
        {
            _refused.Remove($"{id.Type.Kind} {id.Namespace}/{id.Name}");
            _notActedOn.Remove($"{id.Type.Kind} {id.Namespace}/{id.Name}");
        }
    }

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();

    private sealed record Mirrored(JsonObject Object, ResourceKey? Key);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Cluster changes committed: {Count} at revision {Revision}")]
        public static partial void Committed(ILogger logger, int count, long revision);

        [LoggerMessage(2, LogLevel.Warning, "{Object} is refused and not part of the mesh: {Reasons}")]
        public static partial void Refused(ILogger logger, string @object, string reasons);

        [LoggerMessage(3, LogLevel.Warning, "{Object} is mirrored, but not all of it is acted on: {Reason}")]
        public static partial void NotActedOn(ILogger logger, string @object, string reason);
    }
}
