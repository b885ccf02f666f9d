using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Store;

/// <summary>A store that keeps nothing across restarts: for tests and for throwaway control planes.</summary>
public sealed class InMemoryResourceStore : ResourceStoreBase
{
    /// <summary>Creates an empty store.</summary>
    public InMemoryResourceStore(int maxHistory = DefaultHistory)
        : base(maxHistory)
    {
    }

    /// <inheritdoc />
    protected override Task PersistAsync(long revision, IReadOnlyList<CommittedChange> changes, CancellationToken cancellationToken) => Task.CompletedTask;
}
