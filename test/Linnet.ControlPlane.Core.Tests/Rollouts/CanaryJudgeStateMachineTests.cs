using Linnet.Api.Telemetry;
using Linnet.ControlPlane.Core.Judge;
using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Rollouts;

namespace Linnet.ControlPlane.Core.Tests.Rollouts;

/// <summary>The sequential judge in the canary's steps: it looks between steps and at each step, rolls back
/// or promotes at once, holds the weight while the evidence leans towards harm and at maxWeight until it
/// decides, and its state survives the store (a restarted control plane resumes from it).</summary>
public sealed class CanaryJudgeStateMachineTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 4, 3, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Look = TimeSpan.FromSeconds(10);

    private static CanaryResource Canary(string more = "") => (CanaryResource)ManifestParser.Parse($$"""
        apiVersion: flagger.app/v1beta1
        kind: Canary
        metadata: { name: podinfo, namespace: test }
        spec:
          targetRef: { apiVersion: apps/v1, kind: Deployment, name: podinfo }
          service: { port: 9898 }
          analysis:
            interval: 1m
            stepWeight: 10
            maxWeight: 30
            judge: sequential
        {{more}}
        """, "t").Resources.Single();

    private static WorkloadResource Target(string version) => new()
    {
        Metadata = new ObjectMeta { Name = "podinfo", Namespace = "test", Labels = new Dictionary<string, string> { ["app"] = "podinfo" } },
        Spec = new WorkloadSpec(1, "default", "/bin/podinfo", [], [], null, [9898], [], version),
    };

    // requests, failures, all answered within 100 ms.
    private static SideCounts Counts(long requests, long failures)
    {
        var buckets = new long[LatencyBuckets.Count];
        buckets[LatencyBuckets.Milliseconds.ToList().IndexOf(100)] = requests;
        return new SideCounts(requests, failures, buckets);
    }

    /// <summary>The store and supervisor around the state machine; with <paramref name="throughStore"/>, the
    /// Canary is written as the store keeps it and read back before every step (a restart at every step).</summary>
    private sealed class World(bool throughStore = false, string analysis = "")
    {
        public CanaryResource Canary { get; private set; } = CanaryJudgeStateMachineTests.Canary(analysis);

        public WorkloadResource Target { get; set; } = Target("v1");

        public WorkloadResource? Primary { get; private set; }

        public DateTimeOffset Now { get; private set; } = Start;

        public CanaryStatus Status => Canary.Status;

        public int Weight => Status.CanaryWeight;

        public List<(JudgeInput? Window, bool LookOnly)> Observed { get; } = [];

        public void Step(JudgeInput? window = null, bool lookOnly = false, SideCounts? primaryHistory = null)
        {
            Now += lookOnly ? Look : Canary.Spec.Analysis.Interval;
            var asked = CanaryStateMachine.NeedsJudgeCounts(Canary);
            var observation = new CanaryObservation(Now, Target, Primary, Target.Spec.Replicas, Primary?.Spec.Replicas ?? 0, new Dictionary<string, double?>())
            {
                JudgeWindow = asked ? window ?? new JudgeInput(SideCounts.Empty, SideCounts.Empty) : null,
                JudgePrimaryHistory = asked ? primaryHistory : null,
                LookOnly = lookOnly,
            };
            Observed.Add((observation.JudgeWindow, lookOnly));
            var step = CanaryStateMachine.Next(Canary, observation);
            foreach (var write in step.Writes.OfType<WorkloadResource>())
            {
                if (write.Metadata.Name == "podinfo")
                {
                    Target = write;
                }
                else
                {
                    Primary = write;
                }
            }

            Canary = Canary with { Status = step.Status };
            if (throughStore)
            {
                var line = ResourceWriter.ToJsonLine(Canary);
                var reread = ManifestParser.Parse(line, "store", ManifestOrigin.Store);
                Assert.Empty(reread.Errors);
                Canary = (CanaryResource)reread.Resources.Single();
            }
        }

        // Initialised with v1, then v2 applied and its analysis started at 10 %.
        public World AtFirstWeight()
        {
            Step();
            Step();
            Step();
            Assert.Equal(CanaryPhases.Initialized, Status.Phase);
            Target = Target("v2");
            Step();
            Step();
            Assert.Equal((CanaryPhases.Progressing, 10), (Status.Phase, Weight));
            Assert.Equal(Now, Status.Judge!.LookedAt);
            return this;
        }
    }

    [Fact]
    public void Next_CanaryFailingClearly_RolledBackAtTheFirstLookWithoutWaitingForTheStep()
    {
        var world = new World().AtFirstWeight();

        // 10 of 100 canary requests failed against 4 of 900 on the primary, in the same 10 s.
        world.Step(new JudgeInput(Counts(900, 4), Counts(100, 10)), lookOnly: true);

        Assert.Equal(CanaryPhases.Failed, world.Status.Phase);
        Assert.Equal(0, world.Weight);
        Assert.Equal(0, world.Target.Spec.Replicas);
        Assert.Equal(JudgeVerdict.RollBack, world.Status.Judge!.Result.Verdict);
        Assert.Contains(world.Status.Events, e => e.Type == "Warning" && e.Message.StartsWith(
            "podinfo.test rolled back: canary failure rate 10.0 % vs primary 0.4 %, difference excludes 0 at α = 0.05 after 100 canary requests", StringComparison.Ordinal));
        Assert.Equal(0, world.Status.FailedChecks);
    }

    [Fact]
    public void Next_LooksBetweenSteps_AccumulateEvidenceButNeverStepTheWeight()
    {
        var world = new World().AtFirstWeight();

        for (var i = 0; i < 5; i++)
        {
            world.Step(new JudgeInput(Counts(90, 0), Counts(10, 0)), lookOnly: true);
            Assert.Equal(10, world.Weight);
        }

        Assert.Equal(5, world.Status.Judge!.State.Looks);
        Assert.Equal((450L, 50L), (world.Status.Judge.State.Primary.Requests, world.Status.Judge.State.Canary.Requests));
        Assert.Equal(world.Now, world.Status.Judge.LookedAt);

        // The interval's step looks too, then steps the weight as Flagger's schedule does.
        world.Step(new JudgeInput(Counts(90, 0), Counts(10, 0)));
        Assert.Equal(20, world.Weight);
        Assert.Equal(6, world.Status.Judge.State.Looks);
    }

    [Fact]
    public void Next_FirstLookWithThePrimarysHistory_PlacesTheLatencyBoundAndKeepsItThroughTheStore()
    {
        var world = new World(throughStore: true).AtFirstWeight();

        // 9 primary responses in the look, too few for a p99; 1,000 in its history, all within 100 ms.
        world.Step(new JudgeInput(Counts(9, 0), Counts(1, 0)), lookOnly: true, primaryHistory: Counts(1000, 0));

        var state = world.Status.Judge!.State;
        Assert.Equal(100, LatencyBuckets.Milliseconds[state.LatencyBoundIndex]);
        Assert.Equal((9L, 1L), (state.LatencyOrigin!.Primary.Requests, state.LatencyOrigin.Canary.Requests));
        Assert.Equal(100, world.Status.Judge.Result.Latency!.LatencyBoundMs);

        // Latency is judged from the next look on: one slower canary response of one, none of the primary's 9.
        var slow = new long[LatencyBuckets.Count];
        slow[LatencyBuckets.Milliseconds.ToList().IndexOf(1000)] = 1;
        world.Step(new JudgeInput(Counts(9, 0), new SideCounts(1, 0, slow)), lookOnly: true);
        Assert.Equal((1L, 1L, 9L), (world.Status.Judge.Result.Latency!.CanaryEvents, world.Status.Judge.Result.Latency.CanaryTrials, world.Status.Judge.Result.Latency.PrimaryTrials));
    }

    [Fact]
    public void Next_EvidenceLeaningTowardsHarm_HoldsTheWeightStep()
    {
        var world = new World().AtFirstWeight();

        // One failure, on the canary: evidence above 1 but far from the 40 a rollback needs.
        world.Step(new JudgeInput(Counts(90, 0), Counts(10, 1)));

        Assert.Equal((CanaryPhases.Progressing, 10), (world.Status.Phase, world.Weight));
        Assert.InRange(world.Status.Judge!.Result.FailureRate.EValue, 1.0001, 40);
        Assert.Equal("Halt podinfo.test advancement at canary weight 10: the evidence leans towards harm", world.Status.Events[^1].Message);
    }

    [Fact]
    public void Next_AtMaxWeightUndecided_WaitsForTheJudgeInsteadOfPromoting()
    {
        var world = new World().AtFirstWeight();
        world.Step(new JudgeInput(Counts(90, 0), Counts(10, 0)));
        world.Step(new JudgeInput(Counts(80, 0), Counts(20, 0)));
        Assert.Equal(30, world.Weight);

        world.Step(new JudgeInput(Counts(70, 0), Counts(30, 0)));
        world.Step(new JudgeInput(Counts(70, 0), Counts(30, 0)));

        Assert.Equal((CanaryPhases.Progressing, 30), (world.Status.Phase, world.Weight));
        Assert.Equal("v1", world.Primary!.Spec.Version);
        Assert.Single(world.Status.Events, e => e.Message == "Waiting at canary weight 30 for the judge to decide podinfo.test (at most 30 intervals)");
        Assert.Equal(JudgeVerdict.Continue, world.Status.Judge!.Result.Verdict);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Next_AtMaxWeightUndecidedForUndecidedIntervals_RolledBackWithTheReason(bool throughStore)
    {
        var world = new World(throughStore, "    undecidedIntervals: 3").AtFirstWeight();
        var quiet = new JudgeInput(Counts(70, 0), Counts(30, 0));
        world.Step(new JudgeInput(Counts(90, 0), Counts(10, 0)));
        world.Step(new JudgeInput(Counts(80, 0), Counts(20, 0)));
        Assert.Equal(30, world.Weight);

        // Two intervals at maxWeight, and looks between them (which are not intervals): still waiting.
        world.Step(quiet);
        world.Step(quiet, lookOnly: true);
        world.Step(quiet, lookOnly: true);
        world.Step(quiet);
        Assert.Equal((CanaryPhases.Progressing, 30, 2), (world.Status.Phase, world.Weight, world.Status.Judge!.IntervalsAtMaxWeight));
        Assert.Equal(JudgeVerdict.Continue, world.Status.Judge.Result.Verdict);

        // The third interval without a decision: rolled back, the canary scaled down, and the reason on the status.
        world.Step(quiet);

        Assert.Equal((CanaryPhases.Failed, 0), (world.Status.Phase, world.Weight));
        Assert.Equal(0, world.Target.Spec.Replicas);
        Assert.Equal("v1", world.Primary!.Spec.Version);
        var warning = Assert.Single(world.Status.Events, e => e.Type == "Warning" && e.Message.StartsWith("Rolling back podinfo.test:", StringComparison.Ordinal));
        Assert.StartsWith("Rolling back podinfo.test: the judge did not decide within 3 intervals at canary weight 30 (analysis.undecidedIntervals); ", warning.Message, StringComparison.Ordinal);
        Assert.Contains("the judge did not decide within 3 intervals", world.Status.Promoted!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Next_JudgeDecidesOnTheLastUndecidedInterval_ItsDecisionWins()
    {
        var world = new World(analysis: "    undecidedIntervals: 2").AtFirstWeight();
        world.Step(new JudgeInput(Counts(90, 0), Counts(10, 0)));
        world.Step(new JudgeInput(Counts(80, 0), Counts(20, 0)));
        world.Step(new JudgeInput(Counts(70, 0), Counts(30, 0)));
        Assert.Equal(1, world.Status.Judge!.IntervalsAtMaxWeight);

        // Much traffic between the intervals places the latency bound; the look at the second interval shows both
        // differences within their margins: promoted, not rolled back.
        world.Step(new JudgeInput(Counts(90_000, 450), Counts(30_000, 150)), lookOnly: true);
        world.Step(new JudgeInput(Counts(90_000, 450), Counts(30_000, 150)));

        Assert.Contains(world.Status.Phase, new[] { CanaryPhases.Promoting, CanaryPhases.Finalising });
        Assert.Equal("v2", world.Primary!.Spec.Version);
        Assert.Equal(JudgeVerdict.Promote, world.Status.Judge!.Result.Verdict);
        Assert.DoesNotContain(world.Status.Events, e => e.Type == "Warning");
    }

    [Fact]
    public void Next_CanaryShownWithinTheMargins_PromotedBeforeMaxWeight()
    {
        var world = new World().AtFirstWeight();

        // Much traffic, the same failure rate and latency on both sides: the first look places the latency
        // bound, the second shows both differences within a point.
        world.Step(new JudgeInput(Counts(90_000, 450), Counts(10_000, 50)), lookOnly: true);
        Assert.Equal(CanaryPhases.Progressing, world.Status.Phase);
        world.Step(new JudgeInput(Counts(90_000, 450), Counts(10_000, 50)), lookOnly: true);

        Assert.Equal(CanaryPhases.Promoting, world.Status.Phase);
        Assert.Equal("v2", world.Primary!.Spec.Version);
        Assert.Equal(JudgeVerdict.Promote, world.Status.Judge!.Result.Verdict);
        Assert.Contains(world.Status.Events, e => e.Type == "Normal" && e.Message.StartsWith("podinfo.test ready to promote: canary failure rate 0.5 % vs primary 0.5 %", StringComparison.Ordinal));
    }

    [Fact]
    public void Next_ThroughTheStoreAtEveryStep_DecidesExactlyAsInMemory()
    {
        // The same looks, once with the Canary kept in memory and once written to the store and read back
        // before every step (a control plane restarted between any two steps): same evidence, same decision.
        var looks = new List<(JudgeInput Window, bool LookOnly)>();
        for (var i = 0; i < 40; i++)
        {
            looks.Add((new JudgeInput(Counts(200 + (i % 7), i % 3 == 0 ? 1 : 0), Counts(40 + (i % 5), i % 4 == 0 ? 1 : 0)), i % 6 != 5));
        }

        var memory = new World().AtFirstWeight();
        var stored = new World(throughStore: true).AtFirstWeight();
        foreach (var (window, lookOnly) in looks)
        {
            memory.Step(window, lookOnly);
            stored.Step(window, lookOnly);
            Assert.Equal(memory.Status.Judge, stored.Status.Judge);
            Assert.Equal(memory.Status.Judge!.Result.Message, stored.Status.Judge!.Result.Message);
        }

        Assert.Equal(memory.Status, stored.Status);
        Assert.True(stored.Status.Judge!.State.Looks > 5, $"{stored.Status.Judge.State.Looks} looks");
    }

    [Fact]
    public void Next_NewRevisionDuringAnalysis_StartsTheJudgeAfresh()
    {
        var world = new World().AtFirstWeight();
        world.Step(new JudgeInput(Counts(90, 0), Counts(10, 1)), lookOnly: true);
        Assert.Equal(1, world.Status.Judge!.State.Looks);

        world.Target = Target("v3");
        world.Step();
        Assert.Null(world.Status.Judge);
        world.Step();

        Assert.Equal(10, world.Weight);
        Assert.Equal(JudgeState.Initial, world.Status.Judge!.State);
    }

    [Fact]
    public void Next_LookBetweenStepsWhenNotJudging_ChangesNothing()
    {
        var world = new World();
        world.Step();
        world.Step();
        var before = world.Status;

        world.Step(lookOnly: true);

        Assert.Equal(before, world.Status);
    }
}
