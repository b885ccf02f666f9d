using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Text.Json.Nodes;

namespace Linnet.Platform.Kubernetes.Cluster;

/// <summary>The cluster's Namespaces' annotations, as an informer keeps them: what the proxy injector reads
/// (<c>linkerd.io/inject</c> and <c>config.linkerd.io/*</c> on a namespace apply to its pods). A namespace not (yet)
/// seen has none.</summary>
public sealed class ClusterNamespaces : IClusterObjectSink
{
    private static readonly IReadOnlyDictionary<string, string> None = FrozenDictionary<string, string>.Empty;
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, string>> _annotations = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the first list is in: before, every namespace would look unannotated.</summary>
    public Task Synced => _synced.Task;

    /// <summary>The annotations of namespace <paramref name="name"/> (empty when unknown).</summary>
    public IReadOnlyDictionary<string, string> Annotations(string name) => _annotations.GetValueOrDefault(name, None);

    /// <inheritdoc />
    public Task ReplaceAsync(WatchedType type, IReadOnlyList<JsonObject> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (Take(item) is { } name)
            {
                names.Add(name);
            }
        }

        foreach (var gone in _annotations.Keys.Where(k => !names.Contains(k)).ToList())
        {
            _annotations.TryRemove(gone, out _);
        }

        _synced.TrySetResult();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task UpsertAsync(WatchedType type, JsonObject obj, CancellationToken cancellationToken)
    {
        Take(obj);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task DeleteAsync(WatchedType type, JsonObject obj, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(obj);
        if ((string?)obj["metadata"]?["name"] is { } name)
        {
            _annotations.TryRemove(name, out _);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task ResyncAsync(WatchedType type, CancellationToken cancellationToken) => Task.CompletedTask;

    private string? Take(JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        if ((string?)obj["metadata"]?["name"] is not { } name)
        {
            return null;
        }

        var annotations = new Dictionary<string, string>(StringComparer.Ordinal);
        if (obj["metadata"]?["annotations"] is JsonObject map)
        {
            foreach (var (key, value) in map)
            {
                if (value is JsonValue text && text.TryGetValue<string>(out var s))
                {
                    annotations[key] = s;
                }
            }
        }

        _annotations[name] = annotations.ToFrozenDictionary(StringComparer.Ordinal);
        return name;
    }
}
