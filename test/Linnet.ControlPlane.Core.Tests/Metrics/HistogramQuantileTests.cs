using Linnet.ControlPlane.Core.Metrics;

namespace Linnet.ControlPlane.Core.Tests.Metrics;

/// <summary>Expected values worked out by hand from PromQL's documented histogram_quantile: find the bucket
/// holding rank q·count, interpolate linearly inside it, the first bucket starting at 0, +Inf answering with the
/// highest finite bound.</summary>
public sealed class HistogramQuantileTests
{
    private static Dictionary<double, double> Buckets(params (double Le, double Count)[] buckets) => buckets.ToDictionary(b => b.Le, b => b.Count);

    [Fact]
    public void Compute_RankInsideSecondBucket_InterpolatesLinearly()
    {
        // 100 observations: 50 ≤ 10, 90 ≤ 20. p75: rank 75 lies in (10, 20], 25 of its 40 → 10 + 10·25/40 = 16.25.
        var buckets = Buckets((10, 50), (20, 90), (double.PositiveInfinity, 100));

        Assert.Equal(16.25, HistogramQuantile.Compute(0.75, buckets));
        Assert.Equal(10, HistogramQuantile.Compute(0.5, buckets));
    }

    [Fact]
    public void Compute_RankInFirstBucket_InterpolatesFromZero()
    {
        // rank 10 of 40 in (0, 5] → 5·10/40 = 1.25.
        Assert.Equal(1.25, HistogramQuantile.Compute(0.25, Buckets((5, 40), (50, 40), (double.PositiveInfinity, 40))));
    }

    [Fact]
    public void Compute_RankInInfBucket_ReturnsHighestFiniteBound()
    {
        Assert.Equal(20, HistogramQuantile.Compute(0.99, Buckets((10, 50), (20, 90), (double.PositiveInfinity, 100))));
    }

    [Fact]
    public void Compute_NoObservationsOrNoInfBucket_NoValue()
    {
        Assert.Null(HistogramQuantile.Compute(0.5, Buckets((10, 0), (double.PositiveInfinity, 0))));
        Assert.Null(HistogramQuantile.Compute(0.5, Buckets((10, 3), (20, 5))));
        Assert.Null(HistogramQuantile.Compute(0.5, Buckets()));
    }

    [Fact]
    public void Compute_QuantileOutsideZeroToOne_InfinitiesAsPromQl()
    {
        var buckets = Buckets((10, 5), (double.PositiveInfinity, 5));

        Assert.Equal(double.NegativeInfinity, HistogramQuantile.Compute(-0.1, buckets));
        Assert.Equal(double.PositiveInfinity, HistogramQuantile.Compute(1.1, buckets));
    }
}
