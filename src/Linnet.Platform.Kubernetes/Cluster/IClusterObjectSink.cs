using System.Text.Json.Nodes;

namespace Linnet.Platform.Kubernetes.Cluster;

/// <summary>Where an informer (<see cref="ClusterInformer"/>) delivers what it lists and watches: the store's mirror
/// (<see cref="ClusterMirror"/>), or a cache of its own (<see cref="ClusterNamespaces"/>).</summary>
public interface IClusterObjectSink
{
    /// <summary>A list's answer: every object of <paramref name="type"/> now; those not in it are gone.</summary>
    Task ReplaceAsync(WatchedType type, IReadOnlyList<JsonObject> items, CancellationToken cancellationToken);

    /// <summary>An object added or modified.</summary>
    Task UpsertAsync(WatchedType type, JsonObject obj, CancellationToken cancellationToken);

    /// <summary>An object deleted.</summary>
    Task DeleteAsync(WatchedType type, JsonObject obj, CancellationToken cancellationToken);

    /// <summary>A resync: every cached object of <paramref name="type"/> handled again.</summary>
    Task ResyncAsync(WatchedType type, CancellationToken cancellationToken);
}
