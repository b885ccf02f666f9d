using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Rollouts;

namespace Linnet.ControlPlane.Core.Tests.Rollouts;

/// <summary>Flagger's webhook rules (pkg/controller/scheduler.go, scheduler_hooks.go) in the pure state machine:
/// where each type is called, with which phase, and what its answer does.</summary>
public sealed class CanaryStateMachineHookTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 4, 3, 0, 0, TimeSpan.Zero);

    private static CanaryResource Canary(string strategy, string hooks) => (CanaryResource)ManifestParser.Parse($"""
        apiVersion: flagger.app/v1beta1
        kind: Canary
        metadata: {"{"} name: podinfo, namespace: test {"}"}
        spec:
          targetRef: {"{"} apiVersion: apps/v1, kind: Deployment, name: podinfo {"}"}
          service: {"{"} port: 9898 {"}"}
          analysis:
            interval: 2s
            threshold: 2
        {strategy}
            webhooks:
        {hooks}
            metrics:
              - name: request-success-rate
                interval: 10s
                thresholdRange: {"{"} min: 99 {"}"}
        """, "t").Resources.Single();

    private static string Hook(string type, string name) => $"      - {{ type: {type}, name: {name}, url: http://hooks.test/{name} }}";

    private static WorkloadResource Target(string version) => new()
    {
        Metadata = new ObjectMeta { Name = "podinfo", Namespace = "test", Labels = new Dictionary<string, string> { ["app"] = "podinfo" } },
        Spec = new WorkloadSpec(1, "default", "/bin/podinfo", [], [], null, [9898], [], version),
    };

    /// <summary>The store, the supervisor and the webhook receivers around the machine: every hook passes unless
    /// <see cref="Closed"/> names it; the calls are recorded with the phase they carried.</summary>
    private sealed class World(CanaryResource canary)
    {
        public CanaryResource Canary { get; private set; } = canary;

        public WorkloadResource Target { get; set; } = CanaryStateMachineHookTests.Target("v1");

        public WorkloadResource? Primary { get; private set; }

        public HttpRouteResource? Route { get; private set; }

        public HashSet<string> Closed { get; } = [];

        public List<(string Name, string Phase)> Calls { get; } = [];

        public List<CanaryEvent> Announced { get; } = [];

        public List<CanaryAlert> Alerts { get; } = [];

        public double SuccessRate { get; set; } = 100;

        public DateTimeOffset Now { get; private set; } = Start;

        public CanaryStatus Status => Canary.Status;

        public int CanaryWeight => Route!.Spec.Rules[^1].BackendRefs[1].Weight;

        public void Step()
        {
            Now += Canary.Spec.Analysis.Interval;
            var values = new Dictionary<string, double?> { ["request-success-rate"] = SuccessRate };
            var results = new Dictionary<int, CanaryHookResult>();
            CanaryStep step;
            while (true)
            {
                var observation = new CanaryObservation(Now, Target, Primary, Target.Spec.Replicas, Primary?.Spec.Replicas ?? 0, CanaryStateMachine.NeedsMetrics(Canary) ? values : new Dictionary<string, double?>()) { HookResults = results };
                step = CanaryStateMachine.Next(Canary, observation);
                if (step.Pending.Count == 0)
                {
                    break;
                }

                // An undecided step writes nothing.
                Assert.Empty(step.Writes);
                foreach (var call in step.Pending)
                {
                    var hook = Canary.Spec.Analysis.Webhooks[call.Index];
                    Calls.Add((hook.Name, call.Phase));
                    results[call.Index] = Closed.Contains(hook.Name) ? new CanaryHookResult(false, "Forbidden") : new CanaryHookResult(true, "");
                }
            }

            foreach (var write in step.Writes)
            {
                switch (write)
                {
                    case WorkloadResource w when w.Metadata.Name == "podinfo":
                        Target = w;
                        break;
                    case WorkloadResource w:
                        Primary = w;
                        break;
                    case HttpRouteResource r:
                        Route = r;
                        break;
                }
            }

            Announced.AddRange(step.NewEvents);
            Alerts.AddRange(step.Alerts);
            Canary = Canary with { Status = step.Status };
        }

        public void InitializeThenNewRevision()
        {
            // The primary; the traffic moved to it; the target scaled down.
            Step();
            Step();
            Step();
            Assert.Equal(CanaryPhases.Initialized, Status.Phase);
            Calls.Clear();
            Target = CanaryStateMachineHookTests.Target("v2");
        }

        public List<string> CallsOf(string name) => [.. Calls.Where(c => c.Name == name).Select(c => c.Phase)];
    }

    [Fact]
    public void Next_ConfirmRolloutClosed_WaitsWithoutScalingUpThenStartsWhenOpened()
    {
        var world = new World(Canary("    stepWeight: 50", Hook("confirm-rollout", "gate")));
        world.InitializeThenNewRevision();
        world.Target = world.Target with { Spec = world.Target.Spec with { Replicas = 0 } };
        world.Closed.Add("gate");

        world.Step();
        world.Step();

        Assert.Equal(CanaryPhases.Waiting, world.Status.Phase);
        Assert.Equal(0, world.Target.Spec.Replicas);
        // Flagger sends the canary's phase as it is: Initialized, then Waiting.
        Assert.Equal([CanaryPhases.Initialized, CanaryPhases.Waiting], world.CallsOf("gate"));
        Assert.Single(world.Status.Events, e => e.Message == "Halt podinfo.test advancement waiting for approval gate");
        Assert.Single(world.Alerts, a => a.Message == "Canary is waiting for approval." && a.Severity == "warn");

        world.Closed.Clear();
        world.Step();

        Assert.Equal(CanaryPhases.Progressing, world.Status.Phase);
        Assert.Equal(1, world.Target.Spec.Replicas);
        Assert.Contains(world.Status.Events, e => e.Message == "Confirm-rollout check gate passed");
    }

    [Fact]
    public void Next_PreRolloutFailing_CountsFailedChecksAndRollsBackAtThreshold()
    {
        var world = new World(Canary("    stepWeight: 50", Hook("pre-rollout", "smoke")));
        world.InitializeThenNewRevision();
        world.Step(); // Progressing
        world.Closed.Add("smoke");

        world.Step();
        Assert.Equal(1, world.Status.FailedChecks);
        Assert.Equal(0, world.CanaryWeight);
        Assert.Contains(world.Status.Events, e => e.Message == "Halt podinfo.test advancement pre-rollout check smoke failed Forbidden");

        world.Step();
        Assert.Equal(2, world.Status.FailedChecks);
        world.Step();

        Assert.Equal(CanaryPhases.Failed, world.Status.Phase);
        Assert.Equal([CanaryPhases.Progressing, CanaryPhases.Progressing], world.CallsOf("smoke"));
        var alert = Assert.Single(world.Alerts, a => a.Severity == "error");
        Assert.Equal("Failed checks threshold reached 2", alert.Message);
    }

    [Fact]
    public void Next_PreRolloutPassing_CalledOnceAtTheFirstStepOnly()
    {
        var world = new World(Canary("    stepWeight: 50", Hook("pre-rollout", "smoke")));
        world.InitializeThenNewRevision();

        for (var i = 0; i < 6; i++)
        {
            world.Step();
        }

        Assert.Equal(CanaryPhases.Succeeded, world.Status.Phase);
        Assert.Equal([CanaryPhases.Progressing], world.CallsOf("smoke"));
        Assert.Contains(world.Status.Events, e => e.Message == "Pre-rollout check smoke passed");
    }

    [Fact]
    public void Next_RolloutHook_CalledAtEveryAnalysisStepAndItsFailureIsAFailedCheckBeforeMetrics()
    {
        var world = new World(Canary("    stepWeight: 20\n    maxWeight: 60", Hook("rollout", "load")));
        world.InitializeThenNewRevision();
        world.Step(); // Progressing
        world.Step(); // first step: no analysis, 20 %
        Assert.Empty(world.CallsOf("load"));
        world.Step(); // analysis, 40 %
        Assert.Equal(40, world.CanaryWeight);
        Assert.Single(world.CallsOf("load"));

        world.Closed.Add("load");
        world.SuccessRate = 50;
        world.Step();

        Assert.Equal(1, world.Status.FailedChecks);
        Assert.Equal(40, world.CanaryWeight);
        Assert.Contains(world.Status.Events, e => e.Message == "Halt podinfo.test advancement external check load failed Forbidden");
        // The external check fails first: the metrics are not judged in that step (Flagger's runAnalysis).
        Assert.DoesNotContain(world.Status.Events, e => e.Message.Contains("success rate 50", StringComparison.Ordinal));
    }

    [Fact]
    public void Next_ConfirmTrafficIncreaseClosed_HoldsTheWeightWithoutFailedChecks()
    {
        var world = new World(Canary("    stepWeight: 20\n    maxWeight: 40", Hook("confirm-traffic-increase", "more")));
        world.InitializeThenNewRevision();
        world.Step(); // Progressing
        world.Step(); // 20 %
        Assert.Equal(20, world.CanaryWeight);
        world.Closed.Add("more");

        world.Step();
        world.Step();

        Assert.Equal(20, world.CanaryWeight);
        Assert.Equal(0, world.Status.FailedChecks);
        Assert.Equal(CanaryPhases.Progressing, world.Status.Phase);
        Assert.Contains(world.Status.Events, e => e.Message == "Halt podinfo.test advancement waiting for traffic increase approval more");
        Assert.Contains(world.Alerts, a => a.Message == "Canary traffic increase is waiting for approval." && a.Facts.Contains(new("Canary weight", "20%")));

        world.Closed.Clear();
        world.Step();
        Assert.Equal(40, world.CanaryWeight);
    }

    [Fact]
    public void Next_ConfirmPromotionClosed_WaitsInWaitingPromotionWhileTheAnalysisGoesOnAndCanRollBack()
    {
        var world = new World(Canary("    stepWeight: 50\n    maxWeight: 50", Hook("confirm-promotion", "promote")));
        world.InitializeThenNewRevision();
        world.Closed.Add("promote");
        world.Step(); // Progressing
        world.Step(); // 50 %
        world.Step(); // at max weight: the gate is closed

        Assert.Equal(CanaryPhases.WaitingPromotion, world.Status.Phase);
        Assert.Equal(50, world.CanaryWeight);
        Assert.Equal("v1", world.Primary!.Spec.Version);
        Assert.True(CanaryStateMachine.NeedsMetrics(world.Canary));

        // Still analysed while waiting: failing metrics roll it back (Flagger #1801: no breach goes unnoticed).
        world.SuccessRate = 50;
        world.Step();
        world.Step();
        world.Step();

        Assert.Equal(CanaryPhases.Failed, world.Status.Phase);
        Assert.Equal(0, world.CanaryWeight);
        Assert.Equal("v1", world.Primary.Spec.Version);
    }

    [Fact]
    public void Next_ConfirmPromotionOpened_Promotes()
    {
        var world = new World(Canary("    iterations: 2", Hook("confirm-promotion", "promote")));
        world.InitializeThenNewRevision();
        world.Closed.Add("promote");
        for (var i = 0; i < 5; i++)
        {
            world.Step();
        }

        Assert.Equal(CanaryPhases.WaitingPromotion, world.Status.Phase);
        Assert.Equal(2, world.Status.Iterations);

        world.Closed.Clear();
        world.Step();

        Assert.Equal(CanaryPhases.Promoting, world.Status.Phase);
        Assert.Equal("v2", world.Primary!.Spec.Version);
        Assert.Contains(world.Status.Events, e => e.Message == "Confirm-promotion check promote passed");
    }

    [Fact]
    public void Next_RollbackHookOpen_RollsBackAtOnceWithWeightZero()
    {
        var world = new World(Canary("    stepWeight: 20\n    maxWeight: 60", Hook("rollback", "undo")));
        world.InitializeThenNewRevision();
        world.Closed.Add("undo");
        world.Step(); // Progressing
        world.Step(); // 20 %
        world.Step(); // 40 %
        Assert.Equal(40, world.CanaryWeight);
        Assert.All(world.CallsOf("undo"), p => Assert.Equal(CanaryPhases.Progressing, p));
        Assert.Equal(2, world.CallsOf("undo").Count);

        world.Closed.Clear();
        world.Step();

        Assert.Equal(CanaryPhases.Failed, world.Status.Phase);
        Assert.Equal(0, world.CanaryWeight);
        Assert.Equal(0, world.Target.Spec.Replicas);
        Assert.Contains(world.Status.Events, e => e.Message == "Rolling back podinfo.test manual webhook invoked");
        Assert.Contains(world.Alerts, a => a.Message == "Rolling back manual webhook invoked" && a.Severity == "warn");
    }

    [Fact]
    public void Next_RollbackHookWhileWaitingForApproval_FailsTheRevisionUntilTheNextOne()
    {
        var world = new World(Canary("    stepWeight: 50", Hook("confirm-rollout", "gate") + "\n" + Hook("rollback", "undo")));
        world.InitializeThenNewRevision();
        world.Closed.UnionWith(["gate", "undo"]);
        world.Step();
        Assert.Equal(CanaryPhases.Waiting, world.Status.Phase);

        world.Closed.Remove("undo");
        world.Step();
        Assert.Equal(CanaryPhases.Failed, world.Status.Phase);
        Assert.Equal([CanaryPhases.Waiting], world.CallsOf("undo"));

        world.Step();
        Assert.Equal(CanaryPhases.Failed, world.Status.Phase);
    }

    [Fact]
    public void Next_PostRollout_CalledWithSucceededAfterPromotionAndFailedAfterRollback()
    {
        var world = new World(Canary("    stepWeight: 50", Hook("post-rollout", "after")));
        world.InitializeThenNewRevision();
        for (var i = 0; i < 6; i++)
        {
            world.Step();
        }

        Assert.Equal(CanaryPhases.Succeeded, world.Status.Phase);
        Assert.Equal([CanaryPhases.Succeeded], world.CallsOf("after"));
        Assert.Contains(world.Alerts, a => a.Message == "Canary analysis completed successfully, promotion finished." && a.Severity == "info");

        world.Target = Target("v3");
        world.SuccessRate = 10;
        world.Closed.Add("after");
        for (var i = 0; i < 6 && world.Status.Phase != CanaryPhases.Failed; i++)
        {
            world.Step();
        }

        Assert.Equal(CanaryPhases.Failed, world.Status.Phase);
        Assert.Equal([CanaryPhases.Succeeded, CanaryPhases.Failed], world.CallsOf("after"));
        Assert.Contains(world.Status.Events, e => e.Message == "Post-rollout hook after failed Forbidden");
        var alert = Assert.Single(world.Alerts, a => a.Severity == "error");
        Assert.Contains(new KeyValuePair<string, string>("request-success-rate", "10 (wanted >= 99)"), alert.Facts);
    }

    [Fact]
    public void Next_EventHook_NeverCalledDuringAStepButEveryNewEventIsAnnounced()
    {
        var world = new World(Canary("    stepWeight: 50", Hook("event", "audit")));
        world.InitializeThenNewRevision();
        world.Announced.Clear();

        world.Step();

        Assert.Empty(world.Calls);
        Assert.Equal(["New revision detected! Scaling up podinfo.test"], world.Announced.Select(e => e.Message));
    }
}
