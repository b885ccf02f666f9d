using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;

namespace Linnet.Platform.Universal.Tests.Supervisor;

/// <summary>Waits for the store to reach a state, re-checking on each of its watch events (no polling).</summary>
internal static class StoreWait
{
    public static async Task UntilAsync(IResourceStore store, Func<StoreSnapshot, bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var snapshot = store.Snapshot();
        if (condition(snapshot))
        {
            return;
        }

        try
        {
            await foreach (var change in store.WatchAsync(snapshot.Revision, deadline.Token))
            {
                snapshot = store.Snapshot();
                if (condition(snapshot))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Timed out: reported below with what the store holds.
        }

        var instances = string.Join(", ", store.Snapshot().OfKind<InstanceResource>().Select(i => $"{i.Metadata.Name}@{i.Spec.Address} ready={i.Spec.Ready}"));
        throw new TimeoutException($"the store did not reach the expected state within {timeout}; instances: [{instances}]");
    }
}
