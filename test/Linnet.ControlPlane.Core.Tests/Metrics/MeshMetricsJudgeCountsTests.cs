using Linnet.Api.Telemetry;
using Linnet.ControlPlane.Core.Metrics;
using Microsoft.Extensions.Time.Testing;

namespace Linnet.ControlPlane.Core.Tests.Metrics;

/// <summary>The counts the canary judge reads per side: Linkerd-shaped expositions scraped three times, 10 s
/// apart, with counts chosen so every figure can be checked by hand.</summary>
public sealed class MeshMetricsJudgeCountsTests
{
    private static readonly ScrapeTarget Backend = new("shop", "backend", "backend-0", "127.0.0.6:4191", "backend", true);

    // ok successes answered in (10, 20] ms, failed failures in (300, 400] ms; Prometheus's cumulative le form.
    private static string Inbound(int ok, int failed) => $$"""
        response_total{direction="inbound",authority="backend.shop.svc.cluster.local:80",status_code="200",classification="success"} {{ok}}
        response_total{direction="inbound",authority="backend.shop.svc.cluster.local:80",status_code="500",classification="failure"} {{failed}}
        response_latency_ms_bucket{direction="inbound",authority="backend.shop.svc.cluster.local:80",le="10"} 0
        response_latency_ms_bucket{direction="inbound",authority="backend.shop.svc.cluster.local:80",le="20"} {{ok}}
        response_latency_ms_bucket{direction="inbound",authority="backend.shop.svc.cluster.local:80",le="400"} {{ok + failed}}
        response_latency_ms_bucket{direction="inbound",authority="backend.shop.svc.cluster.local:80",le="+Inf"} {{ok + failed}}
        response_total{direction="outbound",authority="db.shop.svc.cluster.local:80",status_code="500",classification="failure"} 999
        """;

    private static int Bucket(double boundMs) => LatencyBuckets.Milliseconds.ToList().IndexOf(boundMs);

    [Fact]
    public async Task InboundCountsAsync_ConsecutiveWindows_CountEachResponseOnceInItsBucket()
    {
        var time = new FakeTimeProvider();
        var store = new EmbeddedSeriesStore(TimeSpan.FromMinutes(15), TimeSpan.FromSeconds(5), time);
        var metrics = new MeshMetrics(store, () => [Backend], "cluster.local");
        var backend = new WorkloadRef("shop", "backend");
        store.Add(Backend, time.GetUtcNow(), PrometheusText.Parse(Inbound(10, 0)).Samples);
        time.Advance(TimeSpan.FromSeconds(10));
        store.Add(Backend, time.GetUtcNow(), PrometheusText.Parse(Inbound(40, 2)).Samples);
        var first = await metrics.InboundCountsAsync(backend, TimeSpan.FromSeconds(10), CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(10));
        store.Add(Backend, time.GetUtcNow(), PrometheusText.Parse(Inbound(100, 5)).Samples);
        var second = await metrics.InboundCountsAsync(backend, TimeSpan.FromSeconds(10), CancellationToken.None);
        var whole = await metrics.InboundCountsAsync(backend, TimeSpan.FromSeconds(20), CancellationToken.None);

        // 30 successes and 2 failures, then 60 and 3: outbound traffic is not the workload's.
        Assert.Equal((32L, 2L), (first.Requests, first.Failures));
        Assert.Equal((63L, 3L), (second.Requests, second.Failures));
        Assert.Equal(30, first.LatencyBuckets[Bucket(20)]);
        Assert.Equal(2, first.LatencyBuckets[Bucket(400)]);
        Assert.Equal(32, first.Responses);
        Assert.Equal(LatencyBuckets.Count, first.LatencyBuckets.Count);

        // Windows that meet count every response exactly once.
        Assert.Equal(whole, first.Plus(second));
    }

    [Fact]
    public async Task InboundCountsAsync_CounterReset_CountsWhatTheRestartedProxyServedAsPromQLDoes()
    {
        var time = new FakeTimeProvider();
        var store = new EmbeddedSeriesStore(TimeSpan.FromMinutes(15), TimeSpan.FromSeconds(5), time);
        var metrics = new MeshMetrics(store, () => [Backend], "cluster.local");
        store.Add(Backend, time.GetUtcNow(), PrometheusText.Parse(Inbound(100, 5)).Samples);
        time.Advance(TimeSpan.FromSeconds(10));

        // The proxy restarted: its counters start again from zero.
        store.Add(Backend, time.GetUtcNow(), PrometheusText.Parse(Inbound(3, 1)).Samples);
        var counts = await metrics.InboundCountsAsync(new WorkloadRef("shop", "backend"), TimeSpan.FromSeconds(10), CancellationToken.None);

        // PromQL's increase(): a drop is a reset, the new value is what was served since (3 + 1), not 4 − 105.
        Assert.Equal((4L, 1L, 4L), (counts.Requests, counts.Failures, counts.Responses));
    }

    [Fact]
    public async Task InboundCountsAsync_NoSeries_ZeroCountsInEveryBucket()
    {
        var time = new FakeTimeProvider();
        var metrics = new MeshMetrics(new EmbeddedSeriesStore(TimeSpan.FromMinutes(15), TimeSpan.FromSeconds(5), time), () => [], "cluster.local");

        var counts = await metrics.InboundCountsAsync(new WorkloadRef("shop", "backend"), TimeSpan.FromSeconds(10), CancellationToken.None);

        Assert.Equal((0L, 0L), (counts.Requests, counts.Failures));
        Assert.Equal(LatencyBuckets.Count, counts.LatencyBuckets.Count);
        Assert.All(counts.LatencyBuckets, c => Assert.Equal(0, c));
    }
}
