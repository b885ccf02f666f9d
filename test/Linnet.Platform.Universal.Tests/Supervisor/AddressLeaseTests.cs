using System.Net;
using Linnet.Platform.Universal.Supervisor;
using Linnet.Platform.Universal.Tests.Store;
using Linnet.Testing;

namespace Linnet.Platform.Universal.Tests.Supervisor;

/// <summary>Two meshes on one host never hand out the same address, even when both start at the same moment.</summary>
public sealed class AddressLeaseTests
{
    private static readonly IPAddress First = IPAddress.Parse("127.77.0.1");

    [Fact]
    public void Allocate_TwoPoolsOverOneFolder_HandOutDifferentAddressesUntilOneReleases()
    {
        using var folder = new TempDirectory();
        var a = new LoopbackAddressPool(First, address => AddressLease.TryTake(address, folder.Path));
        var b = new LoopbackAddressPool(First, address => AddressLease.TryTake(address, folder.Path));
        var key = new InstanceKey("default", "web", 0);

        Assert.Equal("127.77.0.1", a.Allocate(key).ToString());
        Assert.Equal("127.77.0.2", b.Allocate(key).ToString());

        a.Release(key);
        Assert.Equal("127.77.0.1", b.Allocate(new InstanceKey("default", "web", 1)).ToString());
    }

    [Fact]
    public async Task TryTake_AnotherProcessHoldsTheAddressWithFlock_RefusedUntilThatProcessExits()
    {
        var ct = TestContext.Current.CancellationToken;
        using var folder = new TempDirectory();
        var path = Path.Combine(folder.Path, First.ToString());

        // util-linux's flock(1): the kernel's flock(2) lock another program holds.
        await using (var holder = await TestProcess.StartAsync("flock", ["--exclusive", path, "sh", "-c", "echo held; exec cat"], cancellationToken: ct))
        {
            await holder.WaitForOutputAsync("held", TimeSpan.FromSeconds(30), ct);
            Assert.Null(AddressLease.TryTake(First, folder.Path));
        }

        using var lease = AddressLease.TryTake(First, folder.Path);
        Assert.NotNull(lease);
    }
}
