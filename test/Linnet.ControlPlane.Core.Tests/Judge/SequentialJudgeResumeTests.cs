using Linnet.Api.Telemetry;
using Linnet.ControlPlane.Core.Judge;
using MathNet.Numerics.Distributions;

namespace Linnet.ControlPlane.Core.Tests.Judge;

/// <summary>A judge resumed from its stored state (a control plane restarted mid-analysis) decides exactly as
/// one that never stopped: nothing counted twice, nothing forgotten.</summary>
public sealed class SequentialJudgeResumeTests
{
    private static readonly JudgeOptions Options = new() { Kind = JudgeKinds.Sequential };

    // Seeded looks of 10 s at 20 req/s, 30 % on the canary: failures 0.5 % vs 2 %, the canary's responses
    // a bucket slower one time in ten (enough for both e-processes and the latency bound to move).
    private static List<JudgeInput> Looks(int count, int seed)
    {
        var random = new Random(seed);
        var primary = SideCounts.Empty;
        var canary = SideCounts.Empty;
        var looks = new List<JudgeInput>();
        for (var i = 0; i < count; i++)
        {
            primary = primary.Plus(Draw(random, 140, 0.005, 0));
            canary = canary.Plus(Draw(random, 60, 0.02, 0.1));
            looks.Add(new JudgeInput(primary, canary));
        }

        return looks;
    }

    private static SideCounts Draw(Random random, double expected, double failureRate, double slowShare)
    {
        var requests = Poisson.Sample(random, expected);
        var failures = Binomial.Sample(random, failureRate, requests);
        var slow = Binomial.Sample(random, slowShare, requests);
        var buckets = new long[LatencyBuckets.Count];
        var fast = LatencyBuckets.Milliseconds.ToList().IndexOf(100);
        buckets[fast] = requests - slow;
        buckets[fast + 2] = slow;
        return new SideCounts(requests, failures, buckets);
    }

    [Fact]
    public void Observe_ResumedFromItsStateAfterEveryLook_DecidesExactlyAsOneUninterruptedJudge()
    {
        var looks = Looks(200, seed: 14);
        var uninterrupted = new SequentialJudge(Options);
        var state = JudgeState.Initial;
        var decided = false;
        foreach (var look in looks)
        {
            var expected = uninterrupted.Observe(look);
            var resumed = new SequentialJudge(Options, state);
            var actual = resumed.Observe(look);
            state = resumed.State;

            Assert.Equal(expected.Verdict, actual.Verdict);
            Assert.Equal(expected.FailureRate, actual.FailureRate);
            Assert.Equal(expected.Latency, actual.Latency);
            Assert.Equal(expected.Message, actual.Message);
            Assert.Equal(uninterrupted.State, state);
            if (expected.Verdict != JudgeVerdict.Continue)
            {
                decided = true;
                break;
            }
        }

        // The data were chosen to reach a decision with the latency bound placed, so the comparison covered both.
        Assert.True(decided, "the seeded canary should have been decided within 200 looks");
        Assert.True(state.LatencyBoundIndex >= 0);
    }

    [Fact]
    public void Ctor_DecidedState_StaysDecidedWithTheSameResult()
    {
        var judge = new SequentialJudge(Options);
        JudgeResult? last = null;
        foreach (var look in Looks(200, seed: 14))
        {
            last = judge.Observe(look);
            if (last.Verdict != JudgeVerdict.Continue)
            {
                break;
            }
        }

        var resumed = new SequentialJudge(Options, judge.State);

        Assert.Equal(last!.Verdict, resumed.Current.Verdict);
        Assert.Equal(last.Message, resumed.Current.Message);
        var later = new JudgeInput(judge.State.Primary.Plus(new SideCounts(1000, 0, new long[LatencyBuckets.Count])), judge.State.Canary);
        Assert.Equal(last.Message, resumed.Observe(later).Message);
    }

    [Theory]
    [InlineData("logProducts")]
    [InlineData("bound")]
    [InlineData("counts")]
    public void Ctor_MalformedState_RefusedWithTheReason(string fault)
    {
        var state = fault switch
        {
            "logProducts" => JudgeState.Initial with { FailureLogProducts = [0, 0, 0] },
            "bound" => JudgeState.Initial with { LatencyBoundIndex = 12 },
            _ => JudgeState.Initial with { Canary = new SideCounts(5, 6, new long[LatencyBuckets.Count]) },
        };

        var error = Assert.Throws<ArgumentException>(() => new SequentialJudge(Options, state));

        Assert.Contains(fault switch { "logProducts" => "log-products", "bound" => "latency bound", _ => "6 failures of 5 requests" }, error.Message, StringComparison.Ordinal);
    }
}
