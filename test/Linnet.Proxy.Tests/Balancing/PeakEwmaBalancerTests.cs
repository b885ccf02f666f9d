using Linnet.Proxy.Balancing;
using Linnet.Proxy.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace Linnet.Proxy.Tests.Balancing;

public sealed class PeakEwmaBalancerTests
{
    private static readonly FakeTimeProvider Time = new();

    private static EndpointState Endpoint(int port, int weight = 1) => new(new EndpointConfig("127.0.0.1", port, weight), Time);

    [Fact]
    public void Pick_NoEndpoints_ReturnsNull()
    {
        var balancer = new PeakEwmaBalancer([], new Random(1));

        Assert.Null(balancer.Pick());
    }

    [Fact]
    public void Pick_SingleEndpoint_ReturnsIt()
    {
        var only = Endpoint(1);
        var balancer = new PeakEwmaBalancer([only], new Random(1));

        for (var i = 0; i < 10; i++)
        {
            Assert.Same(only, balancer.Pick());
        }
    }

    [Fact]
    public void Pick_OnlyWeightZeroEndpoints_ReturnsNull()
    {
        var balancer = new PeakEwmaBalancer([Endpoint(1, weight: 0), Endpoint(2, weight: 0)], new Random(1));

        Assert.Null(balancer.Pick());
    }

    [Fact]
    public void Pick_WeightZeroEndpoint_NeverPicked()
    {
        var drained = Endpoint(1, weight: 0);
        var a = Endpoint(2);
        var b = Endpoint(3);

        // Make the weight-0 endpoint look the cheapest in every other respect.
        a.Observe(TimeSpan.FromSeconds(1));
        b.Observe(TimeSpan.FromSeconds(1));
        var balancer = new PeakEwmaBalancer([drained, a, b], new Random(7));

        for (var i = 0; i < 1_000; i++)
        {
            Assert.NotSame(drained, balancer.Pick());
        }
    }

    [Fact]
    public void Pick_OneEndpointWithManyPending_ChoosesTheOther()
    {
        var busy = Endpoint(1);
        var idle = Endpoint(2);
        for (var i = 0; i < 20; i++)
        {
            busy.Begin();
        }

        var balancer = new PeakEwmaBalancer([busy, idle], new Random(3));

        for (var i = 0; i < 100; i++)
        {
            Assert.Same(idle, balancer.Pick());
        }
    }

    [Fact]
    public void Pick_OneEndpointSlower_ChoosesTheFasterOfAnyPair()
    {
        var slow = Endpoint(1);
        var fast1 = Endpoint(2);
        var fast2 = Endpoint(3);
        slow.Observe(TimeSpan.FromMilliseconds(500));
        var balancer = new PeakEwmaBalancer([slow, fast1, fast2], new Random(5));

        var picks = new Dictionary<EndpointState, int> { [slow] = 0, [fast1] = 0, [fast2] = 0 };
        for (var i = 0; i < 3_000; i++)
        {
            picks[balancer.Pick()!]++;
        }

        Assert.Equal(0, picks[slow]);
        Assert.InRange(picks[fast1], 1_000, 2_000);
        Assert.InRange(picks[fast2], 1_000, 2_000);
    }

    [Fact]
    public void Pick_EqualState_SpreadsEvenly()
    {
        EndpointState[] endpoints = [Endpoint(1), Endpoint(2), Endpoint(3), Endpoint(4)];
        var balancer = new PeakEwmaBalancer(endpoints, new Random(42));
        var counts = new Dictionary<EndpointState, int>();
        foreach (var e in endpoints)
        {
            counts[e] = 0;
        }

        const int picks = 10_000;
        for (var i = 0; i < picks; i++)
        {
            counts[balancer.Pick()!]++;
        }

        var expected = picks / endpoints.Length;
        foreach (var e in endpoints)
        {
            Assert.InRange(counts[e], expected * 0.95, expected * 1.05);
        }
    }
}
