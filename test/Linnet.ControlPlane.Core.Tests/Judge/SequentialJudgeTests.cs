using Linnet.Api.Telemetry;
using Linnet.ControlPlane.Core.Judge;

namespace Linnet.ControlPlane.Core.Tests.Judge;

public sealed class SequentialJudgeTests
{
    private static readonly JudgeOptions Options = new() { Kind = JudgeKinds.Sequential };

    [Fact]
    public void Observe_CanaryFailingFarMoreOften_RollsBackWithTheReason()
    {
        // 450 of 4,500 requests on the canary (π = 0.1); 14 of the 30 failures are the canary's. For r = 8
        // alone the factor is 8^14 / (0.9 + 0.8)^30 = e^(29.11 − 15.92) = e^13.2, far above 2/α = 40 even
        // divided by the eight alternatives.
        var judge = new SequentialJudge(Options);
        var result = judge.Observe(new JudgeInput(
            new SideCounts(4050, 16, Histograms.With((100, 4050))),
            new SideCounts(450, 14, Histograms.With((100, 450)))));

        Assert.Equal(JudgeVerdict.RollBack, result.Verdict);
        Assert.True(result.FailureRate.Harmful);
        Assert.True(result.FailureRate.EValue >= 40);
        Assert.Equal(
            "rolled back: canary failure rate 3.1 % vs primary 0.4 %, difference excludes 0 at α = 0.05 after 450 canary requests",
            result.Message);
    }

    [Fact]
    public void Observe_OneCanaryFailureInFewRequests_WaitsForMoreData()
    {
        // One failure, on the canary, of 5 canary and 45 primary requests: P_ψ(1) = 5ψ / (5ψ + 45), so each factor
        // is (ψ1 / (ψ1 + 9)) · ((1.25 + 9) / 1.25) with ψ1 = 1.25·r, at most 6.11 < 40.
        var judge = new SequentialJudge(Options);
        var result = judge.Observe(new JudgeInput(
            new SideCounts(45, 0, Histograms.With((100, 45))),
            new SideCounts(5, 1, Histograms.With((100, 5)))));

        Assert.Equal(JudgeVerdict.Continue, result.Verdict);
        Assert.Null(result.Latency);
        Assert.Equal(155, result.ResponsesUntilLatencyBound);
        // Evidence: the mean of those factors over the grid, 25.881 / 8 = 3.24 by hand; the canary's
        // upper bound for 1 failure in 5 at a = 0.025 is 83.9 % (bisection of the mixture's closed form in a
        // separate script), the primary's lower bound for 0 in 45 is 0.
        Assert.Equal(
            "analysing: canary failure rate 20.0 % vs primary 0.0 % (evidence of harm 3.2 of 40; difference at most +83.9 points, margin +1.0 points); latency not judged until the primary has 155 more responses; α = 0.05, after 5 canary requests",
            result.Message);
    }

    [Fact]
    public void Observe_PrimaryLatency_PlacesTheBoundAtTheBucketHoldingTheQuantile()
    {
        // 1,000 primary responses: 985 ≤ 300 ms, 10 in (300, 400], 5 above: the 990th is in (300, 400].
        var judge = new SequentialJudge(Options);
        judge.Observe(new JudgeInput(
            new SideCounts(1000, 0, Histograms.With((300, 985), (400, 10), (1000, 5))),
            new SideCounts(100, 0, Histograms.With((300, 100)))));
        var result = judge.Observe(new JudgeInput(
            new SideCounts(1000, 0, Histograms.With((300, 985), (400, 10), (1000, 5))),
            new SideCounts(100, 0, Histograms.With((300, 100)))));

        Assert.Equal(400, result.Latency!.LatencyBoundMs);
    }

    [Fact]
    public void Observe_TheLookThatSetsTheBound_DoesNotCountItsOwnResponses()
    {
        // The bound is chosen from this look's primary data, so this look's responses must not be tested
        // against it (that would let the data pick their own test): only later looks count.
        var judge = new SequentialJudge(Options);
        var result = judge.Observe(new JudgeInput(
            new SideCounts(1000, 0, Histograms.With((300, 990), (400, 10))),
            new SideCounts(500, 0, Histograms.With((300, 250), (double.PositiveInfinity, 250)))));

        Assert.Equal(JudgeVerdict.Continue, result.Verdict);
        Assert.Equal(300, result.Latency!.LatencyBoundMs);
        Assert.Equal(0, result.Latency.CanaryTrials);
        Assert.Equal(0, result.Latency.CanaryEvents);
        Assert.Equal(1, result.Latency.EValue);
    }

    [Fact]
    public void Observe_CanaryMuchSlowerAfterTheBoundIsSet_RollsBackOnLatency()
    {
        var judge = new SequentialJudge(Options);
        var primary = Histograms.With((300, 990), (400, 5), (500, 5));
        judge.Observe(new JudgeInput(new SideCounts(1000, 5, primary), new SideCounts(100, 0, Histograms.With((300, 100)))));

        // Next look: 9,000 more primary responses, 1 % above 300 ms; 1,000 more canary responses, 10 % above.
        var primaryLater = Add(primary, Histograms.With((300, 8910), (400, 90)));
        var canaryLater = Histograms.With((300, 100 + 900), (1000, 100));
        var result = judge.Observe(new JudgeInput(new SideCounts(10000, 50, primaryLater), new SideCounts(1100, 5, canaryLater)));

        Assert.Equal(JudgeVerdict.RollBack, result.Verdict);
        Assert.False(result.FailureRate.Harmful);
        Assert.Equal(300, result.Latency!.LatencyBoundMs);
        Assert.Equal(100, result.Latency.CanaryEvents);
        Assert.Equal(1000, result.Latency.CanaryTrials);
        Assert.Equal(90, result.Latency.PrimaryEvents);
        Assert.Equal(
            "rolled back: canary responses slower than 300 ms 10.0 % vs primary 1.0 %, difference excludes 0 at α = 0.05 after 1100 canary requests",
            result.Message);
    }

    [Fact]
    public void Observe_EqualRatesWithMuchData_Promotes()
    {
        var judge = new SequentialJudge(Options);
        var first = judge.Observe(new JudgeInput(
            new SideCounts(1000, 5, Histograms.With((100, 900), (300, 90), (500, 10))),
            new SideCounts(1000, 5, Histograms.With((100, 900), (300, 90), (500, 10)))));
        Assert.Equal(JudgeVerdict.Continue, first.Verdict);

        // 40,000 more requests a side, identical shares: 0.5 % failures, 1 % slower than the 300 ms bound.
        var result = judge.Observe(new JudgeInput(
            new SideCounts(41000, 205, Histograms.With((100, 36900), (300, 3690), (500, 410))),
            new SideCounts(41000, 205, Histograms.With((100, 36900), (300, 3690), (500, 410)))));

        Assert.Equal(JudgeVerdict.Promote, result.Verdict);
        Assert.True(result.FailureRate.DifferenceUpper <= 0.01);
        Assert.True(result.Latency!.DifferenceUpper <= 0.01);
        Assert.Matches(
            @"^ready to promote: canary failure rate 0\.5 % vs primary 0\.5 % \(difference at most \+0\.\d points, margin \+1\.0 points\); responses slower than 300 ms 1\.0 % vs primary 1\.0 % \(difference at most \+0\.\d points, margin \+1\.0 points\); at α = 0\.05 after 41000 canary requests$",
            result.Message);
    }

    [Fact]
    public void Observe_AfterADecision_KeepsIt()
    {
        var judge = new SequentialJudge(Options);
        var decided = judge.Observe(new JudgeInput(
            new SideCounts(4050, 16, Histograms.With((100, 4050))),
            new SideCounts(450, 14, Histograms.With((100, 450)))));
        var later = judge.Observe(new JudgeInput(
            new SideCounts(90000, 16, Histograms.With((100, 90000))),
            new SideCounts(90000, 14, Histograms.With((100, 90000)))));

        Assert.Same(decided, later);
    }

    [Fact]
    public void Observe_CountsGoingDown_IsRefusedAndChangesNothing()
    {
        var judge = new SequentialJudge(Options);
        judge.Observe(new JudgeInput(new SideCounts(100, 1, Histograms.With((100, 100))), new SideCounts(10, 0, Histograms.With((100, 10)))));

        var error = Assert.Throws<ArgumentException>(() => judge.Observe(new JudgeInput(
            new SideCounts(50, 1, Histograms.With((100, 50))), new SideCounts(10, 0, Histograms.With((100, 10))))));
        Assert.Contains("primary: counts went down", error.Message, StringComparison.Ordinal);

        var next = judge.Observe(new JudgeInput(new SideCounts(200, 1, Histograms.With((100, 200))), new SideCounts(20, 0, Histograms.With((100, 20)))));
        Assert.Equal(200, next.PrimaryRequests);
        Assert.Equal(20, next.FailureRate.CanaryTrials);
    }

    [Fact]
    public void Observe_MalformedCounts_AreRefused()
    {
        var judge = new SequentialJudge(Options);

        var buckets = Assert.Throws<ArgumentException>(() => judge.Observe(new JudgeInput(new SideCounts(1, 0, [1]), SideCounts.Empty)));
        Assert.Contains($"expected {LatencyBuckets.Count}", buckets.Message, StringComparison.Ordinal);
        var failures = Assert.Throws<ArgumentException>(() => judge.Observe(new JudgeInput(SideCounts.Empty, new SideCounts(3, 4, Histograms.With((100, 3))))));
        Assert.Contains("canary: 4 failures of 3 requests", failures.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_InvalidOptions_IsRefusedWithTheFieldPath()
    {
        var error = Assert.Throws<ArgumentException>(() => new SequentialJudge(Options with { Alpha = 0.5 }));

        Assert.Contains("analysis.alpha: 0.5 is not between 0.001 and 0.2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromCumulative_PrometheusLeBuckets_BecomePerBucketCounts()
    {
        Assert.Equal([3L, 0, 4, 1], SideCounts.FromCumulative([3, 3, 7, 8]));
        Assert.Throws<ArgumentException>(() => SideCounts.FromCumulative([3, 2]));
    }

    private static long[] Add(long[] a, long[] b) => [.. a.Zip(b, (x, y) => x + y)];
}
