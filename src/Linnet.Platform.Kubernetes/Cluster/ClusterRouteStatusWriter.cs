using System.Net;
using System.Text.Json.Nodes;
using k8s.Autorest;
using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Reconciliation;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Microsoft.Extensions.Logging;

namespace Linnet.Platform.Kubernetes.Cluster;

/// <summary>Writes every HTTPRoute's and GRPCRoute's Gateway API status back to the cluster through the status
/// subresource: the same <see cref="RouteStatusCalculator"/> as universal mode, for Linnet's own
/// <c>status.parents</c> entries (those of other controllers are kept as they are), with <c>observedGeneration</c> the
/// cluster's generation. Idempotent: a route whose status already says it is not written; a write is conditional on
/// the resourceVersion read (a 409 waits for the change's own event). Runs on the leader only.</summary>
public sealed partial class ClusterRouteStatusWriter(ClusterMirror mirror, ClusterApi api, TimeProvider time, ILogger logger)
{
    private int _writes;

    /// <summary>Status writes made so far.</summary>
    public int Writes => Volatile.Read(ref _writes);

    /// <summary>Reconciles every route once; returns how many statuses it wrote.</summary>
    public async Task<int> ReconcileAsync(CancellationToken cancellationToken)
    {
        var snapshot = mirror.Store.Snapshot();
        var now = time.GetUtcNow();
        var written = 0;
        foreach (var route in snapshot.Resources.Values.Where(r => r is HttpRouteResource or GrpcRouteResource))
        {
            if (mirror.Source(route.Key) is not { } source)
            {
                continue;
            }

            var generation = source.Object["metadata"]?["generation"] is JsonValue g && g.TryGetValue<long>(out var n) ? n : 0;
            var asInCluster = route switch
            {
                HttpRouteResource h => (Resource)(h with { Metadata = h.Metadata with { Generation = generation } }),
                GrpcRouteResource gr => gr with { Metadata = gr.Metadata with { Generation = generation } },
                _ => route,
            };
            var current = route is HttpRouteResource hr ? hr.Status : ((GrpcRouteResource)route).Status;
            var ours = RouteStatusCalculator.Compute(snapshot, asInCluster, now);
            var mine = new RouteStatus(current.Parents.Where(p => p.ControllerName == RouteStatus.ControllerName).ToList());
            if (ours.Equals(mine))
            {
                continue;
            }

            var obj = source.Object;
            var parents = new JsonArray();
            foreach (var other in (obj["status"]?["parents"] as JsonArray ?? []).OfType<JsonObject>().Where(p => p["controllerName"]?.GetValue<string>() != RouteStatus.ControllerName))
            {
                parents.Add(other.DeepClone());
            }

            var json = ResourceWriter.ToJson(route switch
            {
                HttpRouteResource h => h with { Status = ours },
                GrpcRouteResource gr => (Resource)(gr with { Status = ours }),
                _ => route,
            });
            foreach (var parent in (json["status"]?["parents"] as JsonArray ?? []).OfType<JsonObject>())
            {
                parents.Add(parent.DeepClone());
            }

            obj["status"] = new JsonObject { ["parents"] = parents };
            try
            {
                await api.ReplaceStatusAsync(source.Type, obj, cancellationToken);
                written++;
                Interlocked.Increment(ref _writes);
                Log.Written(logger, route.Key.ToString());
            }
            catch (HttpOperationException ex) when (ex.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
            {
                // Changed or deleted meanwhile: its own watch event brings the next pass.
                Log.Deferred(logger, route.Key.ToString(), (int)ex.Response.StatusCode);
            }
        }

        return written;
    }

    /// <summary>Reconciles now and after every change of the store, until canceled.</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        ClusterReconcileLoop.RunAsync(mirror.Store, ReconcileAsync, reason => Log.Failed(logger, reason), time, cancellationToken);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Route status written to the cluster for {Route}")]
        public static partial void Written(ILogger logger, string route);

        [LoggerMessage(2, LogLevel.Debug, "Route status of {Route} deferred: the API server answered {Code}")]
        public static partial void Deferred(ILogger logger, string route, int code);

        [LoggerMessage(3, LogLevel.Warning, "Writing route status failed, retrying: {Reason}")]
        public static partial void Failed(ILogger logger, string reason);
    }
}
