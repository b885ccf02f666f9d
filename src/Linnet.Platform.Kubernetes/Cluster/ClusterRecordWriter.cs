using System.Net;
using System.Text.Json.Nodes;
using k8s.Autorest;
using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Microsoft.Extensions.Logging;

namespace Linnet.Platform.Kubernetes.Cluster;

/// <summary>Keeps Linnet's records (<see cref="WatchedType.Records"/>: image-update <c>Approval</c>s and
/// <c>ReleaseVerdict</c>s, which the control plane writes into its store) on the cluster as the install's custom
/// resources, so a restarted control plane lists them back: a record the cluster lacks is created, one whose spec
/// differs is replaced (conditional on the resourceVersion the mirror saw: a 409 waits for the change's own event), one
/// the store no longer holds (deleted through the approvals API, cleared verdicts) is deleted. A record deleted on the
/// cluster by someone else is not written again: the mirror deletes it from the store. Runs on the leader only, whose
/// store is the records' truth while it leads (<see cref="ClusterMirror.OwnsRecords"/>).</summary>
public sealed partial class ClusterRecordWriter(ClusterMirror mirror, ClusterApi api, TimeProvider time, ILogger logger)
{
    // Records seen on the cluster (or created there) by this writer: gone from the cluster later means deleted there.
    private readonly HashSet<ResourceKey> _known = [];
    private int _writes;

    /// <summary>Writes made so far.</summary>
    public int Writes => Volatile.Read(ref _writes);

    /// <summary>Reconciles every record once; returns how many writes it made.</summary>
    public async Task<int> ReconcileAsync(CancellationToken cancellationToken)
    {
        var snapshot = mirror.Store.Snapshot();
        var written = 0;
        foreach (var type in WatchedType.Records)
        {
            foreach (var record in snapshot.Resources.Values.Where(r => r.Kind == type.Kind).ToList())
            {
                try
                {
                    written += await WriteAsync(type, record, cancellationToken) ? 1 : 0;
                }
                catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
                {
                    // Changed, created or deleted meanwhile: its own watch event brings the next pass.
                    Log.Deferred(logger, record.Key.ToString(), (int)ex.Response.StatusCode);
                }
            }

            // Deleted from the store (the approvals API's delete, cleared verdicts): only records this writer has seen in
            // the store, so that one the mirror is just taking in from the cluster is never mistaken for a deletion.
            var mirrored = mirror.KeysOf(type);
            foreach (var key in mirrored.Where(k => !snapshot.Resources.ContainsKey(k) && _known.Contains(k)))
            {
                try
                {
                    await api.DeleteAsync(type, key.Namespace, key.Name, cancellationToken);
                    written++;
                    Log.Deleted(logger, key.ToString());
                }
                catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.NotFound)
                {
                }

                _known.Remove(key);
            }

            // Gone from both (deleted on the cluster and then from the store): a record of that name later is new.
            _known.RemoveWhere(k => k.Kind == type.Kind && !snapshot.Resources.ContainsKey(k) && !mirrored.Contains(k));
        }

        Interlocked.Add(ref _writes, written);
        return written;
    }

    private async Task<bool> WriteAsync(WatchedType type, Resource record, CancellationToken cancellationToken)
    {
        var json = ResourceWriter.ToJson(record);
        var metadata = (JsonObject)json["metadata"]!;
        metadata.Remove("generation");
        if (mirror.Source(record.Key) is not { } source)
        {
            if (_known.Contains(record.Key))
            {
                return false; // deleted on the cluster: the mirror takes it out of the store
            }

            metadata.Remove("resourceVersion");
            await api.CreateAsync(type, json, cancellationToken);
            _known.Add(record.Key);
            Log.Written(logger, record.Key.ToString(), "created");
            return true;
        }

        _known.Add(record.Key);
        var errors = new List<string>();
        if (ClusterObjects.ToResource(type, source.Object, errors) is { } onCluster && onCluster.SpecEquals(record))
        {
            return false;
        }

        metadata["resourceVersion"] = source.Object["metadata"]?["resourceVersion"]?.DeepClone();
        await api.ReplaceAsync(type, json, cancellationToken);
        Log.Written(logger, record.Key.ToString(), "replaced");
        return true;
    }

    /// <summary>Reconciles now and after every change of the store, until canceled.</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        ClusterReconcileLoop.RunAsync(mirror.Store, ReconcileAsync, reason => Log.Failed(logger, reason), time, cancellationToken);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Record {Record} {How} on the cluster")]
        public static partial void Written(ILogger logger, string record, string how);

        [LoggerMessage(2, LogLevel.Debug, "Record {Record} deleted on the cluster")]
        public static partial void Deleted(ILogger logger, string record);

        [LoggerMessage(3, LogLevel.Debug, "Record {Record} deferred: the API server answered {Code}")]
        public static partial void Deferred(ILogger logger, string record, int code);

        [LoggerMessage(4, LogLevel.Warning, "Writing records to the cluster failed, retrying: {Reason}")]
        public static partial void Failed(ILogger logger, string reason);
    }
}
