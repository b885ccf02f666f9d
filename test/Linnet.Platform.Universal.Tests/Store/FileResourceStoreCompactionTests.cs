using Linnet.ControlPlane.Core.Store;
using Linnet.Platform.Universal.Store;
using static Linnet.Platform.Universal.Tests.Store.StoreTestData;

namespace Linnet.Platform.Universal.Tests.Store;

public sealed class FileResourceStoreCompactionTests
{
    private const int Commits = 12;
    private const int PrefixCommits = 5;

    [Fact]
    public async Task CommitAsync_LogPastCompactAfterBytes_SnapshotsAndReopensEqual()
    {
        using var dir = new TempDirectory();
        var options = new FileStoreOptions { CompactAfterBytes = 2048 };
        SortedDictionary<string, string> expected;
        long revision;
        using (var store = await OpenAsync(dir.Path, options))
        {
            for (var i = 0; i < 60; i++)
            {
                await store.CommitAsync(Change(i), Ct);
            }

            expected = Dump(store);
            revision = store.Revision;
        }

        Assert.True(File.Exists(dir.Snapshot));
        Assert.True(new FileInfo(dir.Wal).Length < 2048 + 1024, $"wal.log is {new FileInfo(dir.Wal).Length} bytes");
        Assert.False(File.Exists(dir.Snapshot + ".tmp"));

        using var reopened = await OpenAsync(dir.Path, options);

        Assert.Equal(60, revision);
        Assert.Equal(revision, reopened.Revision);
        Assert.Equal(expected, Dump(reopened));
        Assert.Equal(revision + 1, (await reopened.CommitAsync([Put(Service("after"))], Ct)).Revision);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task OpenAsync_OldLogBesideNewerSnapshot_AppliesNothingTwice(bool wholeLog)
    {
        // A crash after the snapshot's rename but before the log's reset leaves the old log (records the
        // snapshot already holds) beside the new snapshot. Replaying it would resurrect deleted resources.
        using var reference = new TempDirectory();
        using var dir = new TempDirectory();
        SortedDictionary<string, string> expected;
        using (var store = await OpenAsync(reference.Path, new FileStoreOptions { CompactAfterBytes = long.MaxValue }))
        {
            for (var i = 0; i < Commits; i++)
            {
                await store.CommitAsync(Change(i), Ct);
            }

            expected = Dump(store);
        }

        using (var store = await OpenAsync(dir.Path, new FileStoreOptions { CompactAfterBytes = 0 }))
        {
            for (var i = 0; i < Commits; i++)
            {
                await store.CommitAsync(Change(i), Ct);
            }

            Assert.Equal(expected, Dump(store));
        }

        Assert.Equal(0, new FileInfo(dir.Wal).Length);
        var oldLog = await File.ReadAllBytesAsync(reference.Wal, Ct);
        await File.WriteAllBytesAsync(dir.Wal, wholeLog ? oldLog : oldLog[..LengthOfFirstRecords(oldLog, PrefixCommits)], Ct);

        using (var reopened = await OpenAsync(dir.Path))
        {
            Assert.Equal(Commits, reopened.Revision);
            Assert.Equal(expected, Dump(reopened));
            Assert.Equal(Commits + 1, (await reopened.CommitAsync([Put(Service("after"))], Ct)).Revision);
        }

        using var again = await OpenAsync(dir.Path);
        Assert.Equal(Commits + 1, again.Revision);
        Assert.NotNull(again.Find(Service("after").Key));
        Assert.Null(again.Find(Service("s0").Key));
    }

    private static int LengthOfFirstRecords(byte[] log, int records)
    {
        var offset = 0;
        for (var i = 0; i < records; i++)
        {
            offset += WriteAheadLog.HeaderSize + BitConverter.ToInt32(log, offset + 4);
        }

        return offset;
    }

    // Puts, updates and deletes, so that replaying old records over the snapshot would be visible.
    private static IReadOnlyList<StoreChange> Change(int i) => (i % 4) switch
    {
        0 => [Put(Service("s" + i)), Put(Workload("w" + i))],
        1 => [Put(Service("s" + (i - 1), targetPort: 9000 + i))],
        2 => [new DeleteChange(Service("s" + (i - 2)).Key), Put(Instance("i" + i, "w" + (i - 2)))],
        _ => [Put(Workload("w" + (i - 3), replicas: i))],
    };
}
