using Linnet.ControlPlane.Core.Reconciliation;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Linnet.ControlPlane.Reconciliation;

/// <summary>Writes every HTTPRoute's and GRPCRoute's Gateway API status: watches the store, and after each
/// change recomputes the statuses (<see cref="RouteStatusCalculator"/>) and commits those that differ, each
/// guarded by the route's resource version (a concurrent apply wins; its own event brings the next pass). A
/// status write keeps the route's generation (the store bumps it for spec changes only), and its own event
/// computes nothing new, so the loop settles. Apply never writes status.</summary>
internal sealed partial class RouteStatusController(IResourceStore store, TimeProvider time, ILogger<RouteStatusController> logger) : BackgroundService
{
    /// <summary>Reconciles once: returns the revision it looked at.</summary>
    public async Task<long> ReconcileAsync(CancellationToken cancellationToken)
    {
        var snapshot = store.Snapshot();
        var now = time.GetUtcNow();
        var changes = new List<StoreChange>();
        foreach (var route in snapshot.Resources.Values)
        {
            StoreChange? change = route switch
            {
                HttpRouteResource h when RouteStatusCalculator.Compute(snapshot, h, now) is var s && !s.Equals(h.Status) => new PutChange(h with { Status = s }),
                GrpcRouteResource g when RouteStatusCalculator.Compute(snapshot, g, now) is var s && !s.Equals(g.Status) => new PutChange(g with { Status = s }),
                _ => null,
            };
            if (change is not null)
            {
                changes.Add(change with { ExpectedVersion = route.Metadata.ResourceVersion });
            }
        }

        if (changes.Count == 0)
        {
            return snapshot.Revision;
        }

        try
        {
            var committed = await store.CommitAsync(changes, cancellationToken);
            Log.StatusWritten(logger, changes.Count, committed.Revision);
        }
        catch (ConflictException ex)
        {
            // A route changed meanwhile: its watch event triggers another pass.
            Log.Conflict(logger, ex.Message);
        }

        return snapshot.Revision;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var seen = await ReconcileAsync(stoppingToken);
                await foreach (var change in store.WatchAsync(seen, stoppingToken))
                {
                    if (change.Revision > seen)
                    {
                        seen = await ReconcileAsync(stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (RevisionCompactedException)
            {
                // Fell behind the store's history: start again from a snapshot.
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Route status written for {Count} route(s) at revision {Revision}")]
        public static partial void StatusWritten(ILogger logger, int count, long revision);

        [LoggerMessage(2, LogLevel.Debug, "Route status write deferred: {Reason}")]
        public static partial void Conflict(ILogger logger, string reason);
    }
}
