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
    public void Observe_PrimaryHistoryWithEnoughResponses_PlacesTheBoundAtTheFirstLookAndJudgesLatencyFromTheNext()
    {
        // Low traffic: 50 primary responses in the first look, far from the 200 the p99 bucket needs; its traffic
        // before the analysis holds 1,000, 98.5 % within 100 ms and the rest within 300 ms. The q-quantile's bucket is
        // the first whose cumulative count reaches q of the total (docs/canary-judge.md): 985 < 990 ≤ 1,000, so 300 ms.
        var judge = new SequentialJudge(Options);
        var history = new SideCounts(1000, 0, Histograms.With((100, 985), (300, 15)));
        var first = judge.Observe(
            new JudgeInput(new SideCounts(50, 0, Histograms.With((100, 50))), new SideCounts(5, 0, Histograms.With((1000, 5)))),
            history);

        // Placed, and the look that placed it is not judged against it (its 5 slow canary responses do not count).
        Assert.Equal(300, first.Latency!.LatencyBoundMs);
        Assert.Equal((0L, 0L, 1.0), (first.Latency.CanaryTrials, first.Latency.CanaryEvents, first.Latency.EValue));
        Assert.Equal(300, LatencyBuckets.Milliseconds[judge.State.LatencyBoundIndex]);

        // The next look is: 45 more primary responses, none slower; 10 more canary ones, 4 slower than 300 ms.
        var second = judge.Observe(new JudgeInput(
            new SideCounts(95, 0, Histograms.With((100, 95))),
            new SideCounts(15, 0, Histograms.With((100, 6), (1000, 9)))));
        Assert.Equal((4L, 10L, 0L, 45L), (second.Latency!.CanaryEvents, second.Latency.CanaryTrials, second.Latency.PrimaryEvents, second.Latency.PrimaryTrials));
        Assert.True(second.Latency.EValue > 1, $"evidence of harm {second.Latency.EValue}");
    }

    [Fact]
    public void Observe_PrimaryHistory_UsedOnlyWhenItHoldsMoreThanTheAnalysisAndEnough()
    {
        var look = new JudgeInput(new SideCounts(300, 0, Histograms.With((100, 300))), new SideCounts(30, 0, Histograms.With((100, 30))));

        // The analysis's own 300 responses outnumber a history of 250: the bound comes from them (all within 100 ms).
        var own = new SequentialJudge(Options);
        Assert.Equal(100, own.Observe(look, new SideCounts(250, 0, Histograms.With((1000, 250)))).Latency!.LatencyBoundMs);

        // A history of 150 and a look of 50: neither reaches 200, so latency waits, for 150 more primary responses.
        var waiting = new SequentialJudge(Options);
        var result = waiting.Observe(
            new JudgeInput(new SideCounts(50, 0, Histograms.With((100, 50))), new SideCounts(5, 0, Histograms.With((100, 5)))),
            new SideCounts(150, 0, Histograms.With((100, 150))));
        Assert.Null(result.Latency);
        Assert.Equal(150, result.ResponsesUntilLatencyBound);
        Assert.Equal(-1, waiting.State.LatencyBoundIndex);
    }

    [Fact]
    public void Observe_MalformedPrimaryHistory_IsRefusedAndChangesNothing()
    {
        var judge = new SequentialJudge(Options);
        var look = new JudgeInput(new SideCounts(50, 0, Histograms.With((100, 50))), new SideCounts(5, 0, Histograms.With((100, 5))));

        var failures = Assert.Throws<ArgumentException>(() => judge.Observe(look, new SideCounts(1000, 1001, Histograms.With((100, 1000)))));
        Assert.Contains("primary history: 1001 failures of 1000 requests", failures.Message, StringComparison.Ordinal);
        var buckets = Assert.Throws<ArgumentException>(() => judge.Observe(look, new SideCounts(1000, 0, [1000])));
        Assert.Contains("primary history: latency histogram has 1 buckets", buckets.Message, StringComparison.Ordinal);
        Assert.Equal(JudgeState.Initial, judge.State);
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
