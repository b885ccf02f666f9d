using System.Text;
using Linnet.ControlPlane.Core.Store;
using Linnet.Platform.Universal.Store;
using Microsoft.Extensions.Logging;
using static Linnet.Platform.Universal.Tests.Store.StoreTestData;

namespace Linnet.Platform.Universal.Tests.Store;

public sealed class FileResourceStoreRecoveryTests
{
    [Fact]
    public async Task OpenAsync_LastRecordCutAtEveryOffset_RecoversPreviousCommits()
    {
        using var dir = new TempDirectory();
        SortedDictionary<string, string> expected;
        using (var store = await OpenAsync(dir.Path))
        {
            await store.CommitAsync([Put(Service("a")), Put(Workload("a"))], Ct);
            await store.CommitAsync([Put(Instance("a-0", "a"))], Ct);
            expected = Dump(store);
        }

        var before = await File.ReadAllBytesAsync(dir.Wal, Ct);
        using (var store = await OpenAsync(dir.Path))
        {
            await store.CommitAsync([Put(Service("b"))], Ct);
        }

        var full = await File.ReadAllBytesAsync(dir.Wal, Ct);
        Assert.True(full.Length > before.Length + WriteAheadLog.HeaderSize);

        for (var cut = before.Length; cut < full.Length; cut++)
        {
            await File.WriteAllBytesAsync(dir.Wal, full[..cut], Ct);

            using var store = await OpenAsync(dir.Path);

            Assert.Equal(2, store.Revision);
            Assert.Equal(expected, Dump(store));
            Assert.Equal(before.Length, new FileInfo(dir.Wal).Length);
        }
    }

    [Fact]
    public async Task OpenAsync_AfterTornTailCut_NextCommitReusesRevisionAndSurvives()
    {
        using var dir = new TempDirectory();
        using (var store = await OpenAsync(dir.Path))
        {
            await store.CommitAsync([Put(Service("a"))], Ct);
            await store.CommitAsync([Put(Service("b"))], Ct);
        }

        var full = await File.ReadAllBytesAsync(dir.Wal, Ct);
        await File.WriteAllBytesAsync(dir.Wal, full[..^7], Ct);
        using (var store = await OpenAsync(dir.Path))
        {
            var result = await store.CommitAsync([Put(Service("c"))], Ct);
            Assert.Equal(2, result.Revision);
        }

        using var reopened = await OpenAsync(dir.Path);

        Assert.Equal(2, reopened.Revision);
        Assert.Equal(["Service/default/a", "Service/default/c"], Dump(reopened).Keys);
    }

    [Theory]
    [InlineData("zeros")]
    [InlineData("random")]
    [InlineData("magic")]
    [InlineData("header-without-payload")]
    public async Task OpenAsync_GarbageAfterLastRecord_CutsItAndKeepsEveryCommit(string garbage)
    {
        using var dir = new TempDirectory();
        SortedDictionary<string, string> expected;
        using (var store = await OpenAsync(dir.Path))
        {
            await store.CommitAsync([Put(Service("a"))], Ct);
            await store.CommitAsync([Put(Route("r", "a"))], Ct);
            expected = Dump(store);
        }

        var valid = await File.ReadAllBytesAsync(dir.Wal, Ct);
        byte[] tail = garbage switch
        {
            "zeros" => new byte[4096],
            "random" => RandomBytes(300),
            "magic" => [0xFF, (byte)'L', (byte)'W', 0x01, 0x10],
            _ => valid[..WriteAheadLog.HeaderSize],
        };
        await File.WriteAllBytesAsync(dir.Wal, [.. valid, .. tail], Ct);
        var logger = new CapturingLogger<FileResourceStore>();

        using var reopened = await OpenAsync(dir.Path, logger: logger);

        Assert.Equal(2, reopened.Revision);
        Assert.Equal(expected, Dump(reopened));
        Assert.Equal(valid, await File.ReadAllBytesAsync(dir.Wal, Ct));
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains($"Cut {tail.Length} bytes", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(9)]
    [InlineData(WriteAheadLog.HeaderSize + 20)]
    public async Task OpenAsync_DamagedRecordFollowedByIntactOnes_ThrowsAndLeavesLogUntouched(int position)
    {
        using var dir = new TempDirectory();
        using (var store = await OpenAsync(dir.Path))
        {
            await store.CommitAsync([Put(Service("a"))], Ct);
            await store.CommitAsync([Put(Service("b"))], Ct);
            await store.CommitAsync([Put(Service("c"))], Ct);
        }

        var original = await File.ReadAllBytesAsync(dir.Wal, Ct);
        var damaged = original.ToArray();
        damaged[position] ^= 0x5A;
        await File.WriteAllBytesAsync(dir.Wal, damaged, Ct);

        var ex = await Assert.ThrowsAsync<StoreCorruptedException>(() => OpenAsync(dir.Path));

        Assert.Contains("wal.log", ex.Message, StringComparison.Ordinal);
        Assert.Contains("byte 0", ex.Message, StringComparison.Ordinal);
        Assert.Equal(damaged, await File.ReadAllBytesAsync(dir.Wal, Ct));
        await File.WriteAllBytesAsync(dir.Wal, original, Ct);
        using var repaired = await OpenAsync(dir.Path);
        Assert.Equal(3, repaired.Revision);
    }

    [Fact]
    public async Task OpenAsync_LogStartsAfterMissingSnapshot_Throws()
    {
        using var dir = new TempDirectory();
        using (var store = await OpenAsync(dir.Path, new FileStoreOptions { CompactAfterBytes = 1024 }))
        {
            for (var i = 0; i < 100 && !(File.Exists(dir.Snapshot) && new FileInfo(dir.Wal).Length > 0); i++)
            {
                await store.CommitAsync([Put(Service("s" + i))], Ct);
            }
        }

        Assert.True(new FileInfo(dir.Wal).Length > 0);
        File.Delete(dir.Snapshot);

        var ex = await Assert.ThrowsAsync<StoreCorruptedException>(() => OpenAsync(dir.Path));

        Assert.Contains("commits are missing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compute_CheckString_MatchesCrc32CheckValue()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute(Encoding.ASCII.GetBytes("123456789")));
    }

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        new Random(42).NextBytes(bytes);
        return bytes;
    }
}
