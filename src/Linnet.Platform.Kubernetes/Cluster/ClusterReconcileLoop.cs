using k8s.Autorest;
using Linnet.ControlPlane.Core.Store;

namespace Linnet.Platform.Kubernetes.Cluster;

/// <summary>The loop of the leader's writers to the cluster (route status, records): reconcile now and after every change
/// of the store, until canceled; a store history compacted under it starts again from a snapshot, and an API server that
/// fails is reported and tried again a second later.</summary>
internal static class ClusterReconcileLoop
{
    /// <summary>Runs <paramref name="reconcile"/> over <paramref name="store"/>'s changes; <paramref name="failed"/> hears
    /// each failure's reason.</summary>
    public static async Task RunAsync(IResourceStore store, Func<CancellationToken, Task<int>> reconcile, Action<string> failed, TimeProvider time, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var seen = store.Revision;
                await reconcile(cancellationToken);
                await foreach (var change in store.WatchAsync(seen, cancellationToken))
                {
                    if (change.Revision > seen)
                    {
                        seen = store.Revision;
                        await reconcile(cancellationToken);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (RevisionCompactedException)
            {
                // Fell behind the store's history: start again from a snapshot.
            }
            catch (Exception ex) when (ex is HttpOperationException or HttpRequestException or IOException)
            {
                failed(ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
            }
        }
    }
}
