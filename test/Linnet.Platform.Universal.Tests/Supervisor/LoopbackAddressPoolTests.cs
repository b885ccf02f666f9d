using System.Net;
using Linnet.Platform.Universal.Supervisor;

namespace Linnet.Platform.Universal.Tests.Supervisor;

public sealed class LoopbackAddressPoolTests
{
    private static readonly InstanceKey Web0 = new("default", "web", 0);
    private static readonly InstanceKey Web1 = new("default", "web", 1);
    private static readonly InstanceKey Web2 = new("default", "web", 2);

    [Fact]
    public void Allocate_PastHostByte254_SkipsHostBytes255And0()
    {
        var pool = new LoopbackAddressPool(IPAddress.Parse("127.1.0.254"), _ => AddressLease.None);

        Assert.Equal("127.1.0.254", pool.Allocate(Web0).ToString());
        Assert.Equal("127.1.1.1", pool.Allocate(Web1).ToString());
    }

    [Fact]
    public void Allocate_SameKeyTwice_ReturnsSameAddress()
    {
        var pool = new LoopbackAddressPool(IPAddress.Parse("127.1.0.1"), _ => AddressLease.None);

        var first = pool.Allocate(Web0);
        pool.Allocate(Web1);

        Assert.Equal(first, pool.Allocate(Web0));
    }

    [Fact]
    public void Release_ThenAllocateAnotherKey_ReusesLowestFreedAddress()
    {
        var pool = new LoopbackAddressPool(IPAddress.Parse("127.1.0.1"), _ => AddressLease.None);
        pool.Allocate(Web0);
        var second = pool.Allocate(Web1);

        pool.Release(Web1);

        Assert.Equal(second, pool.Allocate(Web2));
    }

    [Fact]
    public void Allocate_AddressInUseElsewhere_SkipsIt()
    {
        var taken = IPAddress.Parse("127.1.0.1");
        var pool = new LoopbackAddressPool(taken, address => address.Equals(taken) ? null : AddressLease.None);

        Assert.Equal("127.1.0.2", pool.Allocate(Web0).ToString());
    }

    [Fact]
    public void Constructor_AddressOutsideLoopback_Throws()
    {
        Assert.Throws<ArgumentException>(() => new LoopbackAddressPool(IPAddress.Parse("10.0.0.1"), _ => AddressLease.None));
    }
}
