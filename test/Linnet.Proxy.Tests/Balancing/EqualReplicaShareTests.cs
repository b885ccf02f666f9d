using System.Net;
using Linnet.Proxy.Balancing;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Proxy.Tests.Resilience;
using Microsoft.Extensions.Time.Testing;

namespace Linnet.Proxy.Tests.Balancing;

/// <summary>The demo's split: its load generator sends 10 requests a second, one at a time, to two backend
/// replicas that answer equally fast, and in the first minute one replica got 14 requests and the other 511. The
/// first replica measured kept the traffic while the other's default estimate (30 ms) aged toward its real
/// latency, ln(30 / 2) × 10 s = 27 s, because a fast first sample was blended into the default at the weight of
/// its own few milliseconds instead of replacing it.</summary>
public sealed class EqualReplicaShareTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Pick_TwoEquallyFastReplicasAtTenRequestsASecondForAMinute_EachGetsAtLeastAThird()
    {
        var time = new FakeTimeProvider();
        EndpointState[] replicas = [new(new EndpointConfig("127.0.0.1", 8080), time), new(new EndpointConfig("127.0.0.2", 8080), time)];
        var balancer = new PeakEwmaBalancer(replicas, new Random(11));
        var latencies = new Random(5);
        var counts = new int[replicas.Length];

        for (var i = 0; i < 600; i++)
        {
            var replica = balancer.Pick()!;
            counts[Array.IndexOf(replicas, replica)]++;
            replica.Begin();
            var sentAt = time.GetTimestamp();

            // Both replicas answer in 1.5 to 3 ms, drawn from the same distribution.
            var latency = TimeSpan.FromMicroseconds(1_500 + latencies.Next(1_500));
            time.Advance(latency);
            replica.Observe(replica.SampleBetween(sentAt, time.GetTimestamp()));
            replica.End();
            time.Advance(TimeSpan.FromMilliseconds(100) - latency);
        }

        // Equal replicas under P2C split a minute's traffic roughly evenly; a third is a generous floor.
        Assert.All(counts, count => Assert.True(count >= 200, $"shares {counts[0]} and {counts[1]} of 600"));
    }

    [Fact]
    public async Task Outbound_TwoEquallyFastBackendsOneRequestAtATime_BothServeWithinTheFirstRequests()
    {
        var backends = new ScriptedBackend[2];
        for (var i = 0; i < backends.Length; i++)
        {
            backends[i] = await ScriptedBackend.StartAsync((context, _) => ScriptedBackend.Ok(context), Ct);
        }

        try
        {
            await using var proxy = await TestProxy.StartAsync(1, [TestProxy.Service("backend", 80, backends.Select(b => b.Port).ToArray())]);
            using var client = ProxyLoad.Client(connections: 1);

            // One at a time, as the demo's load generator sends: pending counts never tell the replicas apart.
            var statuses = await ProxyLoad.RunAsync(client, 20, _ => ProxyLoad.Get(proxy, "backend", "/"), Ct, workers: 1);

            Assert.Equal(20, statuses.GetValueOrDefault(HttpStatusCode.OK));
            Assert.All(backends, b => Assert.True(b.RequestCount >= 1, $"requests per backend: {string.Join(", ", backends.Select(x => x.RequestCount))}"));
        }
        finally
        {
            foreach (var backend in backends)
            {
                await backend.DisposeAsync();
            }
        }
    }
}
