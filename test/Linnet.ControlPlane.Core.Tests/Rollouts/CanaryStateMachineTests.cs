using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Rollouts;

namespace Linnet.ControlPlane.Core.Tests.Rollouts;

public sealed partial class CanaryStateMachineTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 4, 3, 0, 0, TimeSpan.Zero);

    private static CanaryResource Canary(string analysis) => (CanaryResource)ManifestParser.Parse($"""
        apiVersion: flagger.app/v1beta1
        kind: Canary
        metadata: {"{"} name: podinfo, namespace: test {"}"}
        spec:
          targetRef: {"{"} apiVersion: apps/v1, kind: Deployment, name: podinfo {"}"}
          service: {"{"} port: 9898 {"}"}
          analysis:
            interval: 2s
        {analysis}
            metrics:
              - name: request-success-rate
                interval: 10s
                thresholdRange: {"{"} min: 99 {"}"}
              - name: request-duration
                interval: 10s
                thresholdRange: {"{"} max: 500 {"}"}
        """, "t").Resources.Single();

    private static WorkloadResource Target(string version, int replicas = 2) => new()
    {
        Metadata = new ObjectMeta { Name = "podinfo", Namespace = "test", Labels = new Dictionary<string, string> { ["app"] = "podinfo" }, Annotations = new Dictionary<string, string> { ["keel.sh/policy"] = "minor" } },
        Spec = new WorkloadSpec(replicas, "default", "/bin/podinfo", [], [], null, [9898], [], version),
    };

    /// <summary>Plays the store and the supervisor around the state machine: writes take effect, and every
    /// instance of a workload is ready unless a test says otherwise.</summary>
    private sealed class World(CanaryResource canary, WorkloadResource target)
    {
        public CanaryResource Canary { get; private set; } = canary;

        public WorkloadResource Target { get; set; } = target;

        public WorkloadResource? Primary { get; set; }

        public HttpRouteResource? Route { get; private set; }

        public List<ServiceResource> Services { get; } = [];

        public DateTimeOffset Now { get; private set; } = Start;

        public int? TargetReady { get; set; }

        public int? PrimaryReady { get; set; }

        public int? StandbyReady { get; set; }

        public WorkloadResource? Standby { get; private set; }

        public Dictionary<string, double?> Values { get; } = new() { ["request-success-rate"] = 100, ["request-duration"] = 40 };

        public bool AskedForMetrics { get; private set; }

        public CanaryStatus Status => Canary.Status;

        /// <summary>What the API does for <c>linnet canary ACTION</c>: record the command on the status.</summary>
        public void Command(string action, string by = "admin") =>
            Canary = Canary with { Status = Canary.Status with { Command = new CanaryCommand(action, by, Now, CanaryCommands.Pending, "") } };

        public (int Primary, int Canary) Weights => (Route!.Spec.Rules[^1].BackendRefs[0].Weight, Route.Spec.Rules[^1].BackendRefs[1].Weight);

        public CanaryStep Step()
        {
            Now += Canary.Spec.Analysis.Interval;
            AskedForMetrics = CanaryStateMachine.NeedsMetrics(Canary);
            var values = AskedForMetrics ? Values : new Dictionary<string, double?>();
            var step = CanaryStateMachine.Next(Canary, new CanaryObservation(Now, Target, Primary, TargetReady ?? Target.Spec.Replicas, PrimaryReady ?? Primary?.Spec.Replicas ?? 0, values)
            {
                Standby = Standby,
                StandbyReady = StandbyReady ?? Standby?.Spec.Replicas ?? 0,
            });
            foreach (var write in step.Writes)
            {
                switch (write)
                {
                    case WorkloadResource w when w.Metadata.Name == "podinfo":
                        Target = w;
                        break;
                    case WorkloadResource w when w.Metadata.Name == "podinfo-standby":
                        Standby = w;
                        break;
                    case WorkloadResource w:
                        Assert.Equal("podinfo-primary", w.Metadata.Name);
                        Primary = w;
                        break;
                    case HttpRouteResource r:
                        Route = r;
                        break;
                    case ServiceResource s:
                        Services.RemoveAll(x => x.Metadata.Name == s.Metadata.Name);
                        Services.Add(s);
                        break;
                    default:
                        Assert.Fail($"unexpected write {write.Key}");
                        break;
                }
            }

            Canary = Canary with { Status = step.Status };
            return step;
        }

        public void Initialize()
        {
            Step();
            Assert.Equal(CanaryPhases.Initializing, Status.Phase);
            Step();
            Assert.Equal(CanaryPhases.Initializing, Status.Phase);
            Step();
            Assert.Equal(CanaryPhases.Initialized, Status.Phase);
        }
    }

    [Fact]
    public void Next_NewCanary_CreatesThePrimaryThenMovesTrafficToItThenScalesTheTargetToZero()
    {
        var world = new World(Canary("    stepWeight: 10\n    maxWeight: 30"), Target("v1"));

        // First the primary, and the -primary and -canary Services nothing routes to yet: the apex still selects the target.
        world.Step();

        Assert.Equal(CanaryPhases.Initializing, world.Status.Phase);
        Assert.Equal("v1", world.Primary!.Spec.Version);
        Assert.Equal(2, world.Primary.Spec.Replicas);
        Assert.Equal("podinfo-primary", world.Primary.Metadata.Labels["app"]);
        Assert.False(world.Primary.Metadata.Annotations.ContainsKey("keel.sh/policy"));
        Assert.Equal(["podinfo-canary", "podinfo-primary"], world.Services.Select(s => s.Metadata.Name).Order(StringComparer.Ordinal));
        Assert.Equal("podinfo", world.Services.Single(s => s.Metadata.Name == "podinfo-canary").Spec.Selector["app"]);
        Assert.Null(world.Route);
        Assert.Equal(2, world.Target.Spec.Replicas);

        // The primary ready: the apex Service and the route move to it in one step; the target keeps serving until then.
        world.Step();

        Assert.Equal(CanaryPhases.Initializing, world.Status.Phase);
        Assert.Equal("podinfo-primary", world.Services.Single(s => s.Metadata.Name == "podinfo").Spec.Selector["app"]);
        Assert.Equal("podinfo", world.Route!.Spec.ParentRefs[0].Name);
        Assert.Equal((100, 0), world.Weights);
        Assert.Equal(2, world.Target.Spec.Replicas);

        // Only then is the target scaled down.
        world.Step();

        Assert.Equal(CanaryPhases.Initialized, world.Status.Phase);
        Assert.Equal(0, world.Target.Spec.Replicas);
        Assert.Equal("True", world.Status.Promoted!.Status);
        Assert.Equal((100, 0), world.Weights);
    }

    [Fact]
    public void Next_NewCanaryPrimaryNotReady_TrafficStaysOnTheTarget()
    {
        var world = new World(Canary("    stepWeight: 10\n    maxWeight: 30"), Target("v1")) { PrimaryReady = 1 };
        world.Step();

        world.Step();
        world.Step();

        Assert.Equal(CanaryPhases.Initializing, world.Status.Phase);
        Assert.DoesNotContain(world.Services, s => s.Metadata.Name == "podinfo");
        Assert.Null(world.Route);
        Assert.Equal(2, world.Target.Spec.Replicas);
        Assert.Single(world.Status.Events, e => e.Message == "Waiting for podinfo-primary.test to be ready: 1 of 2 instances ready");

        world.PrimaryReady = 2;
        world.Step();

        Assert.Equal("podinfo-primary", world.Services.Single(s => s.Metadata.Name == "podinfo").Spec.Selector["app"]);
        Assert.Equal(2, world.Target.Spec.Replicas);
        world.Step();
        Assert.Equal(CanaryPhases.Initialized, world.Status.Phase);
        Assert.Equal(0, world.Target.Spec.Replicas);
    }

    [Fact]
    public void Next_HealthyCanary_StepsToMaxWeightThenPromotesAndScalesDown()
    {
        var world = new World(Canary("    stepWeight: 10\n    maxWeight: 30\n    threshold: 2"), Target("v1"));
        world.Initialize();
        world.Target = Target("v2");

        world.Step();
        Assert.Equal(CanaryPhases.Progressing, world.Status.Phase);
        Assert.Equal(0, world.Status.CanaryWeight);

        var weights = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            world.Step();
            weights.Add(world.Weights.Canary);
            Assert.Equal(100, world.Weights.Primary + world.Weights.Canary);
        }

        // Flagger: stepWeight 10 up to maxWeight 30 is three steps; the primary still runs v1.
        Assert.Equal([10, 20, 30], weights);
        Assert.Equal("v1", world.Primary!.Spec.Version);

        world.Step();
        Assert.Equal(CanaryPhases.Promoting, world.Status.Phase);
        Assert.Equal("v2", world.Primary.Spec.Version);
        Assert.Equal(2, world.Primary.Spec.Replicas);
        Assert.Equal(30, world.Weights.Canary);

        world.Step();
        Assert.Equal(CanaryPhases.Finalising, world.Status.Phase);
        Assert.Equal((100, 0), world.Weights);

        world.Step();
        Assert.Equal(CanaryPhases.Succeeded, world.Status.Phase);
        Assert.Equal(0, world.Target.Spec.Replicas);
        Assert.Equal(0, world.Status.FailedChecks);
        Assert.Equal(world.Status.LastAppliedSpec, world.Status.LastPromotedSpec);
        Assert.Equal("True", world.Status.Promoted!.Status);
        Assert.Contains(world.Status.Events, e => e.Message == "Promotion completed! Scaling down podinfo.test");
        Assert.All(world.Status.Metrics, m => Assert.True(m.Passed));
    }

    [Fact]
    public void Next_FailingCanary_RolledBackAfterThresholdFailedChecksWithWeightZero()
    {
        var world = new World(Canary("    stepWeight: 10\n    maxWeight: 50\n    threshold: 2"), Target("v1"));
        world.Initialize();
        world.Target = Target("v2");
        world.Step(); // Progressing
        world.Step(); // 10 %
        Assert.Equal(10, world.Weights.Canary);

        world.Values["request-success-rate"] = 90;
        world.Step();
        Assert.Equal(1, world.Status.FailedChecks);
        Assert.Equal(10, world.Weights.Canary);
        var metric = world.Status.Metrics.Single(m => m.Name == "request-success-rate");
        Assert.Equal((90.0, 99.0, false), (metric.Value!.Value, metric.Min!.Value, metric.Passed));
        Assert.Contains(world.Status.Events, e => e.Message == "Halt podinfo.test advancement success rate 90% < 99%");

        world.Step();
        Assert.Equal(2, world.Status.FailedChecks);
        Assert.Equal(CanaryPhases.Progressing, world.Status.Phase);

        world.Step();
        Assert.Equal(CanaryPhases.Failed, world.Status.Phase);
        Assert.Equal(0, world.Status.CanaryWeight);
        Assert.Equal((100, 0), world.Weights);
        Assert.Equal(0, world.Target.Spec.Replicas);
        Assert.Equal("v1", world.Primary!.Spec.Version);
        Assert.Equal("False", world.Status.Promoted!.Status);

        // A failed canary stays failed until a new revision.
        world.Step();
        Assert.Equal(CanaryPhases.Failed, world.Status.Phase);
    }

    [Fact]
    public void Next_SlowCanary_RequestDurationAboveMaxIsAFailedCheck()
    {
        var world = new World(Canary("    stepWeight: 10\n    threshold: 1"), Target("v1"));
        world.Initialize();
        world.Target = Target("v2");
        world.Step();
        world.Step();
        world.Values["request-duration"] = 650;

        world.Step();

        Assert.Equal(1, world.Status.FailedChecks);
        Assert.Contains(world.Status.Events, e => e.Message == "Halt podinfo.test advancement request duration 650ms > 500ms");
        world.Step();
        Assert.Equal(CanaryPhases.Failed, world.Status.Phase);
    }

    [Fact]
    public void Next_NoTraffic_NoValuesCountsAsAFailedCheck()
    {
        var world = new World(Canary("    stepWeight: 10\n    threshold: 5"), Target("v1"));
        world.Initialize();
        world.Target = Target("v2");
        world.Step();
        world.Step();
        world.Values["request-success-rate"] = null;
        world.Values["request-duration"] = null;

        world.Step();

        Assert.True(world.AskedForMetrics);
        Assert.Equal(1, world.Status.FailedChecks);
        Assert.Equal(10, world.Status.CanaryWeight);
        Assert.Null(world.Status.Metrics[0].Value);
        Assert.Contains(world.Status.Events, e => e.Message == "Halt advancement no values found for request-success-rate metric probably podinfo.test is not receiving traffic");
    }

    [Fact]
    public void Next_FirstProgressingStep_RunsNoAnalysis()
    {
        var world = new World(Canary("    stepWeight: 10"), Target("v1"));
        world.Initialize();
        world.Target = Target("v2");
        world.Step();
        world.Values["request-success-rate"] = null;

        world.Step();

        // Flagger starts the analysis with no traffic on the canary and does not judge that step.
        Assert.False(world.AskedForMetrics);
        Assert.Equal(0, world.Status.FailedChecks);
        Assert.Equal(10, world.Status.CanaryWeight);
    }

    [Fact]
    public void Next_StepWeights_FollowsTheListThenPromotes()
    {
        var world = new World(Canary("    stepWeights: [1, 5, 25]"), Target("v1"));
        world.Initialize();
        world.Target = Target("v2");
        world.Step();

        var weights = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            world.Step();
            weights.Add(world.Status.CanaryWeight);
        }

        world.Step();

        Assert.Equal([1, 5, 25], weights);
        Assert.Equal(CanaryPhases.Promoting, world.Status.Phase);
    }

    [Fact]
    public void Next_StepWeightPromotion_MovesTrafficBackInSteps()
    {
        var world = new World(Canary("    stepWeight: 50\n    maxWeight: 50\n    stepWeightPromotion: 20"), Target("v1"));
        world.Initialize();
        world.Target = Target("v2");
        world.Step();
        world.Step();
        world.Step();
        Assert.Equal(CanaryPhases.Promoting, world.Status.Phase);

        var weights = new List<int>();
        while (world.Status.Phase == CanaryPhases.Promoting)
        {
            world.Step();
            weights.Add(world.Weights.Canary);
        }

        Assert.Equal([30, 10, 0], weights);
        Assert.Equal(CanaryPhases.Finalising, world.Status.Phase);
    }

    [Fact]
    public void Next_BlueGreen_RunsItsIterationsAtZeroWeightThenSwitches()
    {
        var world = new World(Canary("    iterations: 3\n    threshold: 2"), Target("v1"));
        world.Initialize();
        world.Target = Target("v2");
        world.Step();

        var iterations = new List<(int Iterations, int Weight)>();
        for (var i = 0; i < 3; i++)
        {
            world.Step();
            iterations.Add((world.Status.Iterations, world.Weights.Canary));
        }

        Assert.Equal([(1, 0), (2, 0), (3, 0)], iterations);
        world.Step();
        Assert.Equal((0, 100), world.Weights);
        Assert.Equal(CanaryPhases.Promoting, world.Status.Phase);
        Assert.Equal("v2", world.Primary!.Spec.Version);
        world.Step();
        Assert.Equal((100, 0), world.Weights);
    }

    [Fact]
    public void Next_ABTesting_RoutesOnlyMatchingRequestsToTheCanary()
    {
        var world = new World(Canary("    iterations: 2\n    match:\n      - headers:\n          x-canary:\n            exact: insider\n      - headers:\n          cookie:\n            regex: \"^(.*?;)?(canary=always)(;.*)?$\""), Target("v1"));
        world.Initialize();
        world.Target = Target("v2");
        world.Step();

        world.Step();

        var rules = world.Route!.Spec.Rules;
        Assert.Equal(2, rules.Count);
        Assert.Equal([new HeaderMatch("Exact", "x-canary", "insider")], rules[0].Matches[0].Headers);
        Assert.Equal("cookie", rules[0].Matches[1].Headers[0].Name);
        Assert.Equal([0, 100], rules[0].BackendRefs.Select(b => b.Weight));
        Assert.Equal(["podinfo-primary", "podinfo-canary"], rules[0].BackendRefs.Select(b => b.Name));
        Assert.Empty(rules[1].Matches);
        Assert.Equal([100, 0], rules[1].BackendRefs.Select(b => b.Weight));
    }

    [Fact]
    public void Next_NewRevisionDuringAnalysis_RestartsAtWeightZero()
    {
        var world = new World(Canary("    stepWeight: 10\n    threshold: 3"), Target("v1"));
        world.Initialize();
        world.Target = Target("v2");
        world.Step();
        world.Step();
        world.Step();
        world.Values["request-success-rate"] = 50;
        world.Step();
        Assert.Equal((20, 1), (world.Status.CanaryWeight, world.Status.FailedChecks));

        world.Target = Target("v3");
        world.Step();

        Assert.Equal(CanaryPhases.Progressing, world.Status.Phase);
        Assert.Equal((0, 0), (world.Status.CanaryWeight, world.Status.FailedChecks));
        Assert.Equal((100, 0), world.Weights);
        Assert.Contains(world.Status.Events, e => e.Message == "New revision detected! Restarting analysis for podinfo.test");
    }

    [Fact]
    public void Next_CanaryNeverReady_RolledBackAfterProgressDeadline()
    {
        var canary = Canary("    stepWeight: 10");
        var world = new World(canary with { Spec = canary.Spec with { ProgressDeadlineSeconds = 5 } }, Target("v1"));
        world.Initialize();
        world.Target = Target("v2");
        world.TargetReady = 0;
        world.Step();

        world.Step();
        Assert.Equal(CanaryPhases.Progressing, world.Status.Phase);
        Assert.Equal(0, world.Status.CanaryWeight);
        world.Step();
        world.Step();

        Assert.Equal(CanaryPhases.Failed, world.Status.Phase);
        Assert.Contains(world.Status.Events, e => e.Message.Contains("progressDeadlineSeconds", StringComparison.Ordinal));
    }

    [Fact]
    public void Next_ImageUpdateOnScaledDownTarget_ScalesTheCanaryUpFromZero()
    {
        var world = new World(Canary("    stepWeight: 10"), Target("v1"));
        world.Initialize();
        world.Target = Target("v2", replicas: 0);

        world.Step();

        Assert.Equal(CanaryPhases.Progressing, world.Status.Phase);
        Assert.Equal(2, world.Target.Spec.Replicas);
    }

    [Fact]
    public void Next_SkipAnalysis_PromotesWithoutSteps()
    {
        var canary = Canary("    stepWeight: 10");
        var world = new World(canary with { Spec = canary.Spec with { SkipAnalysis = true } }, Target("v1"));
        world.Initialize();
        world.Target = Target("v2");
        world.Step();

        world.Step();

        Assert.Equal(CanaryPhases.Promoting, world.Status.Phase);
        Assert.Equal("v2", world.Primary!.Spec.Version);
    }

    [Fact]
    public void Next_Suspended_DoesNothing()
    {
        var canary = Canary("    stepWeight: 10");
        var world = new World(canary with { Spec = canary.Spec with { Suspend = true } }, Target("v1"));

        var step = world.Step();

        Assert.Empty(step.Writes);
        Assert.Equal(CanaryStatus.Empty, step.Status);
    }
}
