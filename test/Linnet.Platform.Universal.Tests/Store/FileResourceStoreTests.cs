using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;
using Linnet.Platform.Universal.Store;
using static Linnet.Platform.Universal.Tests.Store.StoreTestData;

namespace Linnet.Platform.Universal.Tests.Store;

public sealed class FileResourceStoreTests
{
    [Fact]
    public async Task OpenAsync_AfterCommitsOfEveryKind_RestoresContentAndRevision()
    {
        using var dir = new TempDirectory();
        var api = new ResourceKey(ServiceResource.KindName, "default", "api");
        SortedDictionary<string, string> expected;
        long revision;
        using (var store = await OpenAsync(dir.Path))
        {
            await store.CommitAsync([Put(Service("web")), Put(Workload("web")), Put(Route("web-split", "web"))], Ct);
            await store.CommitAsync([Put(Instance("web-0", "web")), Put(Service("api"))], Ct);
            var annotations = new Dictionary<string, string> { ["note"] = "quotes \" and \\ and\nnewlines, caf\u00e9, \U0001F680", ["empty"] = "" };
            await store.CommitAsync([Put(Service("web", localPorts: new Dictionary<int, int> { [80] = 40001 }, annotations: annotations))], Ct);
            await store.CommitAsync([new DeleteChange(api)], Ct);
            await store.CommitAsync([Put(Workload("web", replicas: 3))], Ct);
            expected = Dump(store);
            revision = store.Revision;
        }

        using var reopened = await OpenAsync(dir.Path);

        Assert.Equal(5, revision);
        Assert.Equal(revision, reopened.Revision);
        Assert.Equal(expected, Dump(reopened));
        Assert.Null(reopened.Find(api));
        Assert.Equal(2, reopened.Find(new ResourceKey(WorkloadResource.KindName, "shop", "web"))!.Metadata.Generation);
        var next = await reopened.CommitAsync([Put(Service("late"))], Ct);
        Assert.Equal(revision + 1, next.Revision);
    }

    [Fact]
    public async Task OpenAsync_SameNamedRoutesOfTwoGroupsAndADeleteOfOne_RestoresTheOther()
    {
        // Gateway API's HTTPRoute and Linkerd's policy.linkerd.io one are two objects; the write-ahead log keeps a
        // delete of the Linkerd one apart from the Gateway API one, across a restart (before any compaction).
        using var dir = new TempDirectory();
        var gateway = Route("split", "web");
        var linkerd = Route("split", "web") with { Group = HttpRouteResource.LinkerdGroup };
        using (var store = await OpenAsync(dir.Path))
        {
            await store.CommitAsync([Put(gateway), Put(linkerd)], Ct);
            Assert.Equal(2, store.Snapshot().Resources.Count);
            await store.CommitAsync([new DeleteChange(linkerd.Key)], Ct);
        }

        using (var reopened = await OpenAsync(dir.Path))
        {
            Assert.Equal(["HTTPRoute/default/split"], Dump(reopened).Keys);
            await reopened.CommitAsync([Put(linkerd), new DeleteChange(gateway.Key)], Ct);
        }

        using var again = await OpenAsync(dir.Path);

        Assert.Equal(["HTTPRoute.policy.linkerd.io/default/split"], Dump(again).Keys);
        Assert.Equal("policy.linkerd.io/v1beta3", again.Find(linkerd.Key)!.ApiVersion);
    }

    [Fact]
    public async Task OpenAsync_AfterReopenAndMoreCommits_KeepsBothSessions()
    {
        using var dir = new TempDirectory();
        using (var store = await OpenAsync(dir.Path))
        {
            await store.CommitAsync([Put(Service("a"))], Ct);
        }

        using (var store = await OpenAsync(dir.Path))
        {
            await store.CommitAsync([Put(Service("b")), new DeleteChange(Service("a").Key)], Ct);
        }

        using var reopened = await OpenAsync(dir.Path);

        Assert.Equal(2, reopened.Revision);
        Assert.Equal(["Service/default/b"], Dump(reopened).Keys);
        Assert.Equal(2, reopened.Find(Service("b").Key)!.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task OpenAsync_DirectoryAlreadyOpen_ThrowsNamingDirectory()
    {
        using var dir = new TempDirectory();
        var first = await OpenAsync(dir.Path);
        await first.CommitAsync([Put(Service("a"))], Ct);

        var ex = await Assert.ThrowsAsync<DataDirectoryInUseException>(() => OpenAsync(dir.Path));

        Assert.Contains(dir.Path, ex.Message, StringComparison.Ordinal);
        first.Dispose();
        using var second = await OpenAsync(dir.Path);
        Assert.Equal(1, second.Revision);
    }

    [Fact]
    public async Task CommitAsync_NoOpPut_AppendsNothing()
    {
        using var dir = new TempDirectory();
        using var store = await OpenAsync(dir.Path);
        await store.CommitAsync([Put(Service("a"))], Ct);
        var length = new FileInfo(dir.Wal).Length;

        var result = await store.CommitAsync([Put(Service("a"))], Ct);

        Assert.Equal(1, result.Revision);
        Assert.Equal(length, new FileInfo(dir.Wal).Length);
    }
}
