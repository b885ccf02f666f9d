using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;

namespace Linnet.ControlPlane.Core.Tests.Store;

public sealed class InMemoryResourceStoreTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CommitAsync_EachCommit_AdvancesRevisionByOne()
    {
        using var store = new InMemoryResourceStore();

        var first = await store.CommitAsync([Put(Service("a")), Put(Service("b"))], Ct);
        var second = await store.CommitAsync([Put(Service("c"))], Ct);

        Assert.Equal((1, 2, 2), (first.Revision, second.Revision, store.Revision));
        Assert.Equal(1, store.Find(Key("a"))!.Metadata.ResourceVersion);
        Assert.Equal(1, store.Find(Key("b"))!.Metadata.ResourceVersion);
        Assert.Equal(2, store.Find(Key("c"))!.Metadata.ResourceVersion);
        Assert.Equal([WatchEventType.Added, WatchEventType.Added], first.Events.Select(e => e.Type));
        Assert.Equal(3, store.Snapshot().Resources.Count);
    }

    [Fact]
    public async Task CommitAsync_IdenticalPut_IsNoOpWithoutEvents()
    {
        using var store = new InMemoryResourceStore();
        await store.CommitAsync([Put(Service("a"))], Ct);

        var again = await store.CommitAsync([Put(Service("a"))], Ct);

        Assert.Equal(1, again.Revision);
        Assert.Empty(again.Events);
        Assert.Equal(1, store.Revision);
        Assert.Equal(1, again.Results[0]!.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task CommitAsync_LabelChange_NewRevisionSameGeneration()
    {
        using var store = new InMemoryResourceStore();
        await store.CommitAsync([Put(Service("a"))], Ct);
        var relabeled = Service("a") with { Metadata = new ObjectMeta { Name = "a", Labels = new Dictionary<string, string> { ["x"] = "y" } } };

        var result = await store.CommitAsync([Put(relabeled)], Ct);

        var stored = store.Find(Key("a"))!;
        Assert.Equal((2, 1), (stored.Metadata.ResourceVersion, stored.Metadata.Generation));
        Assert.Equal(WatchEventType.Modified, Assert.Single(result.Events).Type);
    }

    [Fact]
    public async Task CommitAsync_SpecChange_BumpsGeneration()
    {
        using var store = new InMemoryResourceStore();
        await store.CommitAsync([Put(Service("a"))], Ct);

        await store.CommitAsync([Put(Service("a", port: 81))], Ct);

        var stored = store.Find(Key("a"))!;
        Assert.Equal((2, 2), (stored.Metadata.ResourceVersion, stored.Metadata.Generation));
    }

    [Fact]
    public async Task CommitAsync_StatusChange_KeepsGeneration()
    {
        using var store = new InMemoryResourceStore();
        await store.CommitAsync([Put(Service("a"))], Ct);

        await store.CommitAsync([Put(Service("a") with { Status = new ServiceStatus(new Dictionary<int, int> { [80] = 20000 }) })], Ct);

        var stored = (ServiceResource)store.Find(Key("a"))!;
        Assert.Equal((2, 1), (stored.Metadata.ResourceVersion, stored.Metadata.Generation));
        Assert.Equal(20000, stored.Status.LocalPorts[80]);
    }

    [Fact]
    public async Task CommitAsync_ExpectedVersionConflict_WritesNothing()
    {
        using var store = new InMemoryResourceStore();
        await store.CommitAsync([Put(Service("a"))], Ct);

        var ex = await Assert.ThrowsAsync<ConflictException>(() =>
            store.CommitAsync([Put(Service("b")), Put(Service("a", port: 81)) with { ExpectedVersion = 5 }], Ct));

        Assert.Equal(Key("a"), ex.Key);
        Assert.Equal("Service/default/a: expected resourceVersion 5, but it is 1", ex.Message);
        Assert.Null(store.Find(Key("b")));
        Assert.Equal(80, ((ServiceResource)store.Find(Key("a"))!).Spec.Ports[0].Port);
        Assert.Equal(1, store.Revision);
    }

    [Fact]
    public async Task CommitAsync_ExpectedVersionMatches_Commits()
    {
        using var store = new InMemoryResourceStore();
        await store.CommitAsync([Put(Service("a"))], Ct);

        var result = await store.CommitAsync([Put(Service("a", port: 81)) with { ExpectedVersion = 1 }], Ct);

        Assert.Equal(2, result.Revision);
    }

    [Fact]
    public async Task CommitAsync_ExpectedVersionZeroOnExisting_Conflicts()
    {
        using var store = new InMemoryResourceStore();
        await store.CommitAsync([Put(Service("a"))], Ct);

        await Assert.ThrowsAsync<ConflictException>(() => store.CommitAsync([Put(Service("a", port: 81)) with { ExpectedVersion = 0 }], Ct));
    }

    [Fact]
    public async Task CommitAsync_DeleteMissing_IsNoOp()
    {
        using var store = new InMemoryResourceStore();

        var result = await store.CommitAsync([new DeleteChange(Key("ghost"))], Ct);

        Assert.Equal((0, 0), (result.Revision, result.Events.Count));
    }

    [Fact]
    public async Task WatchAsync_FromRevision_ReplaysHistoryThenStreamsLive()
    {
        using var store = new InMemoryResourceStore();
        await store.CommitAsync([Put(Service("a"))], Ct);
        await store.CommitAsync([Put(Service("b")), Put(Service("c"))], Ct);
        await store.CommitAsync([new DeleteChange(Key("a"))], Ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        await using var watch = store.WatchAsync(1, timeout.Token).GetAsyncEnumerator(timeout.Token);

        var replayed = new List<WatchEvent>();
        for (var i = 0; i < 3; i++)
        {
            Assert.True(await watch.MoveNextAsync());
            replayed.Add(watch.Current);
        }

        var next = watch.MoveNextAsync();
        await store.CommitAsync([Put(Service("d"))], Ct);
        Assert.True(await next);

        Assert.Equal([(2L, "b", WatchEventType.Added), (2L, "c", WatchEventType.Added), (3L, "a", WatchEventType.Deleted)],
            replayed.Select(e => (e.Revision, e.Resource.Metadata.Name, e.Type)));
        Assert.Equal((4L, "d", WatchEventType.Added), (watch.Current.Revision, watch.Current.Resource.Metadata.Name, watch.Current.Type));
    }

    [Fact]
    public async Task WatchAsync_CompactedRevision_Throws()
    {
        using var store = new InMemoryResourceStore(maxHistory: 2);
        for (var i = 0; i < 4; i++)
        {
            await store.CommitAsync([Put(Service($"s{i}"))], Ct);
        }

        await using var watch = store.WatchAsync(1, Ct).GetAsyncEnumerator(Ct);

        await Assert.ThrowsAsync<RevisionCompactedException>(async () => await watch.MoveNextAsync());
    }

    [Fact]
    public async Task WatchAsync_FromOldestKept_ReplaysKeptHistory()
    {
        using var store = new InMemoryResourceStore(maxHistory: 2);
        for (var i = 0; i < 4; i++)
        {
            await store.CommitAsync([Put(Service($"s{i}"))], Ct);
        }

        await using var watch = store.WatchAsync(2, Ct).GetAsyncEnumerator(Ct);

        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(3, watch.Current.Revision);
    }

    private static PutChange Put(Resource resource) => new(resource);

    private static ResourceKey Key(string name) => new("Service", "default", name);

    private static ServiceResource Service(string name, int port = 80) => new()
    {
        Metadata = new ObjectMeta { Name = name },
        Spec = new ServiceSpec(new Dictionary<string, string> { ["app"] = name }, [new ServicePort(null, port, port, null)]),
    };
}
