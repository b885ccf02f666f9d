using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Rollouts;

namespace Linnet.ControlPlane.Core.Tests.Rollouts;

/// <summary>Manual commands and warm rollback.</summary>
public sealed partial class CanaryStateMachineTests
{
    private static int? StandbyWeight(World world) => world.Route!.Spec.Rules[^1].BackendRefs.Count > 2 ? world.Route.Spec.Rules[^1].BackendRefs[2].Weight : null;

    // Initialised on v1, v2 detected and stepped to 10 %.
    private static World AtTenPercent(string analysis = "    stepWeight: 10\n    maxWeight: 50\n    threshold: 2")
    {
        var world = new World(Canary(analysis), Target("v1"));
        world.Initialize();
        world.Target = Target("v2");
        world.Step(); // Progressing, weight 0
        world.Step(); // 10 %
        Assert.Equal(10, world.Weights.Canary);
        return world;
    }

    // v2 promoted through 10 and 20 %; the window has started and the standby runs v1.
    private static World PromotedWithStandby()
    {
        var world = new World(Canary("    stepWeight: 10\n    maxWeight: 20\n    threshold: 2\n    rollbackWindow: 10s"), Target("v1"));
        world.Initialize();
        world.Target = Target("v2");
        while (world.Status.Phase != CanaryPhases.Succeeded)
        {
            world.Step();
        }

        return world;
    }

    [Fact]
    public void Next_PauseThenResume_HoldsTheWeightWithoutAnalysisThenContinues()
    {
        var world = AtTenPercent();
        world.Command(CanaryCommands.Pause, "alice");

        world.Step();
        Assert.True(world.Status.Paused);
        Assert.Equal((CanaryCommands.Pause, "alice", CanaryCommands.Applied), (world.Status.Command!.Action, world.Status.Command.By, world.Status.Command.Outcome));
        Assert.Contains(world.Status.Events, e => e.Message == "Paused by alice: holding podinfo.test at canary weight 10");

        // Held: failing metrics are not even read, the weight stays.
        world.Values["request-success-rate"] = 50;
        for (var i = 0; i < 4; i++)
        {
            world.Step();
            Assert.False(world.AskedForMetrics);
            Assert.Equal(10, world.Weights.Canary);
        }

        Assert.Equal(0, world.Status.FailedChecks);
        world.Values["request-success-rate"] = 100;
        world.Command(CanaryCommands.Resume, "bob");
        world.Step();
        Assert.False(world.Status.Paused);
        Assert.Contains(world.Status.Events, e => e.Message == "Resumed by bob: continuing the analysis of podinfo.test");

        world.Step();
        Assert.True(world.AskedForMetrics);
        Assert.Equal(20, world.Weights.Canary);
    }

    [Fact]
    public void Next_ManualPromote_SkipsTheRemainingStepsThroughPromotion()
    {
        var world = AtTenPercent();
        world.Command(CanaryCommands.Promote);

        world.Step();
        Assert.Equal(CanaryPhases.Promoting, world.Status.Phase);
        Assert.Equal("v2", world.Primary!.Spec.Version);
        Assert.Equal(CanaryCommands.Applied, world.Status.Command!.Outcome);

        world.Step();
        Assert.Equal(CanaryPhases.Finalising, world.Status.Phase);
        Assert.Equal((100, 0), world.Weights);
        world.Step();
        Assert.Equal(CanaryPhases.Succeeded, world.Status.Phase);
        Assert.Equal(0, world.Target.Spec.Replicas);
        Assert.DoesNotContain(world.Status.Events, e => e.Message.StartsWith("Advance podinfo.test canary weight 20", StringComparison.Ordinal));
    }

    [Fact]
    public void Next_ManualPromoteBlueGreen_RoutesAllTrafficToTheCanaryThenCopies()
    {
        var world = new World(Canary("    iterations: 5\n    threshold: 2"), Target("v1"));
        world.Initialize();
        world.Target = Target("v2");
        world.Step();
        world.Step();
        world.Command(CanaryCommands.Promote);

        world.Step();

        Assert.Equal((0, 100), world.Weights);
        Assert.Equal(CanaryPhases.Promoting, world.Status.Phase);
        Assert.Equal("v2", world.Primary!.Spec.Version);
    }

    [Fact]
    public void Next_ManualAbort_AllTrafficToThePrimaryAndFailed()
    {
        var world = AtTenPercent();
        world.Command(CanaryCommands.Abort, "carol");

        world.Step();

        Assert.Equal(CanaryPhases.Failed, world.Status.Phase);
        Assert.Equal((100, 0), world.Weights);
        Assert.Equal(0, world.Target.Spec.Replicas);
        Assert.Equal("v1", world.Primary!.Spec.Version);
        Assert.Equal("False", world.Status.Promoted!.Status);
        Assert.Contains(world.Status.Events, e => e.Type == "Warning" && e.Message == "Aborted by carol: routing all traffic of podinfo.test to the primary");
    }

    [Fact]
    public void Next_PromoteOnAnIdleCanary_RefusedWithTheReasonAndNothingMoves()
    {
        var world = new World(Canary("    stepWeight: 10"), Target("v1"));
        world.Initialize();
        world.Command(CanaryCommands.Promote);

        var step = world.Step();

        Assert.Equal(CanaryCommands.Refused, world.Status.Command!.Outcome);
        Assert.Equal("promote applies to a canary under analysis (Progressing); this one is Initialized", world.Status.Command.Message);
        Assert.Equal(CanaryPhases.Initialized, world.Status.Phase);
        Assert.DoesNotContain(step.Writes, w => w is WorkloadResource or HttpRouteResource);
    }

    [Fact]
    public void Next_PromoteWhileTheCanaryIsNotReady_Refused()
    {
        var world = AtTenPercent();
        world.TargetReady = 1;
        world.Command(CanaryCommands.Promote);

        world.Step();

        Assert.Equal(CanaryCommands.Refused, world.Status.Command!.Outcome);
        Assert.Contains("not ready (1 of 2 instances)", world.Status.Command.Message, StringComparison.Ordinal);
        Assert.Equal("v1", world.Primary!.Spec.Version);
    }

    [Fact]
    public void Next_Promotion_KeepsThePreviousPrimaryWarmAtWeightZeroForTheWindow()
    {
        var world = PromotedWithStandby();

        Assert.Equal("v2", world.Primary!.Spec.Version);
        Assert.Equal(("v1", 2), (world.Standby!.Spec.Version, world.Standby.Spec.Replicas));
        Assert.Equal("podinfo-standby", world.Standby.Metadata.Labels["app"]);
        Assert.Equal("podinfo-standby", world.Services.Single(s => s.Metadata.Name == "podinfo-standby").Spec.Selector["app"]);
        Assert.Equal((100, 0), world.Weights);
        Assert.Equal(0, StandbyWeight(world));
        Assert.NotNull(world.Status.Standby!.Until);
        Assert.Equal(world.Status.LastAppliedSpec, world.Status.LastPromotedSpec);

        // The analysis now watches the new primary.
        Assert.True(CanaryStateMachine.NeedsMetrics(world.Canary));
        Assert.Equal("podinfo-primary", CanaryStateMachine.MetricsWorkload(world.Canary));
    }

    [Fact]
    public void Next_BreachInsideTheWindow_AllTrafficToTheStandbyInOneStepThenBackToThePrimary()
    {
        var world = PromotedWithStandby();
        var v1Hash = CanaryObjects.SpecHash(Target("v1"));
        world.Values["request-success-rate"] = 90;

        world.Step();
        Assert.Equal(1, world.Status.FailedChecks);
        Assert.Equal(CanaryPhases.Succeeded, world.Status.Phase);
        Assert.Equal(0, StandbyWeight(world));

        // Threshold 2: the second failed check moves every request to the standby, and rewrites the primary to v1 out of traffic.
        world.Step();
        Assert.Equal(CanaryPhases.Failed, world.Status.Phase);
        Assert.Equal((0, 0), world.Weights);
        Assert.Equal(100, StandbyWeight(world));
        Assert.Equal("v1", world.Primary!.Spec.Version);
        Assert.Equal(v1Hash, world.Status.LastPromotedSpec);
        Assert.True(world.Status.Standby!.Serving);
        Assert.Contains(world.Status.Events, e => e.Message == "Rolled back podinfo.test: all traffic on podinfo-standby.test (the previous primary)");

        // Primary not ready on v1 yet: traffic stays on the standby.
        world.PrimaryReady = 0;
        world.Step();
        Assert.Equal(100, StandbyWeight(world));

        world.PrimaryReady = null;
        world.Step();
        Assert.Equal((100, 0), world.Weights);
        Assert.Equal(0, StandbyWeight(world));
        Assert.Equal(2, world.Standby!.Spec.Replicas);

        // One step later nothing is on its way to the standby: it is scaled down and leaves the route.
        world.Step();
        Assert.Equal(0, world.Standby.Spec.Replicas);
        Assert.Null(StandbyWeight(world));
        Assert.Null(world.Status.Standby);
        Assert.Equal(CanaryPhases.Failed, world.Status.Phase);
        Assert.Equal(0, world.Target.Spec.Replicas);
    }

    [Fact]
    public void Next_BreachWithOneOfTheStandbysTwoInstancesReady_HalfTheTrafficThenAllOnceBothAre()
    {
        // The issue: a rollback to a primary with fewer replicas than the traffic needs is stepped, not all at once.
        var world = PromotedWithStandby();
        world.StandbyReady = 1;
        world.Values["request-success-rate"] = 90;
        world.Step();

        // The second failed check: one of two instances ready takes half, the other half stays where it was.
        world.Step();
        Assert.Equal(50, StandbyWeight(world));
        Assert.Equal((50, 0), world.Weights);
        Assert.Equal("v2", world.Primary!.Spec.Version);
        Assert.Equal(50, world.Status.Standby!.Weight);
        Assert.False(world.Status.Standby.Serving);
        Assert.Contains(world.Status.Events, e => e.Message == "Rolling back podinfo.test step by step: podinfo-standby.test has 1 of 2 instances ready, so it takes 50 % of the traffic until it can take all of it");

        // Still one: the share holds, whatever the metrics say meanwhile.
        world.Values["request-success-rate"] = 100;
        world.Step();
        Assert.Equal(50, StandbyWeight(world));

        // Both ready: all of it, as an unstepped rollback.
        world.StandbyReady = 2;
        world.Step();
        Assert.Equal(100, StandbyWeight(world));
        Assert.Equal(CanaryPhases.Failed, world.Status.Phase);
        Assert.True(world.Status.Standby!.Serving);
        Assert.Null(world.Status.Standby.Weight);
        Assert.Equal("v1", world.Primary!.Spec.Version);
    }

    [Fact]
    public void Next_PrimaryScaledUpInsideTheWindow_StandbyScaledToItAndTakesTheTrafficAsItsInstancesBecomeReady()
    {
        var world = PromotedWithStandby();
        world.Primary = world.Primary! with { Spec = world.Primary.Spec with { Replicas = 4 } };
        world.Command(CanaryCommands.Rollback, "erin");

        // Two ready of the four the primary runs: the standby is asked for four and takes half.
        world.Step();
        Assert.Equal(4, world.Standby!.Spec.Replicas);
        Assert.Equal(50, StandbyWeight(world));

        world.StandbyReady = 3;
        world.Step();
        Assert.Equal(75, StandbyWeight(world));

        // A ready count that drops back does not take traffic away again.
        world.StandbyReady = 2;
        world.Step();
        Assert.Equal(75, StandbyWeight(world));

        world.StandbyReady = 4;
        world.Step();
        Assert.Equal(100, StandbyWeight(world));
        Assert.Equal(CanaryPhases.Failed, world.Status.Phase);
        Assert.Equal(("v1", 4), (world.Primary!.Spec.Version, world.Primary.Spec.Replicas));
    }

    [Fact]
    public void Next_ManualRollbackInsideTheWindow_AllTrafficToTheStandbyAtOnce()
    {
        var world = PromotedWithStandby();
        world.Command(CanaryCommands.Rollback, "dave");

        world.Step();

        Assert.Equal(100, StandbyWeight(world));
        Assert.Equal(CanaryPhases.Failed, world.Status.Phase);
        Assert.Equal(CanaryCommands.Applied, world.Status.Command!.Outcome);
        Assert.Equal("Manual rollback of podinfo.test by dave: all traffic back to podinfo-standby.test (the previous primary)", world.Status.Command.Message);
    }

    [Fact]
    public void Next_NoTrafficInsideTheWindow_FailsNothing()
    {
        var world = PromotedWithStandby();
        world.Values["request-success-rate"] = null;
        world.Values["request-duration"] = null;

        world.Step();
        world.Step();

        Assert.Equal(CanaryPhases.Succeeded, world.Status.Phase);
        Assert.Equal(0, world.Status.FailedChecks);
    }

    [Fact]
    public void Next_WindowEnds_StandbyScaledDownAndRollbackRefused()
    {
        var world = PromotedWithStandby();
        for (var i = 0; i < 5 && world.Status.Standby is not null; i++)
        {
            world.Step();
        }

        Assert.Null(world.Status.Standby);
        Assert.Equal(0, world.Standby!.Spec.Replicas);
        Assert.Null(StandbyWeight(world));
        Assert.Contains(world.Status.Events, e => e.Message == "Rollback window of 10s ended: scaling down podinfo-standby.test");
        Assert.Equal(
            "nothing to roll back: the canary is Succeeded and no previous primary is kept warm (analysis.rollbackWindow, after a promotion)",
            CanaryCommands.Refusal(world.Canary, CanaryCommands.Rollback));
    }

    [Fact]
    public void Next_NewRevisionInsideTheWindow_StandbyScaledDownAndAnalysisStarts()
    {
        var world = PromotedWithStandby();
        world.Target = Target("v3");

        world.Step();

        Assert.Equal(CanaryPhases.Progressing, world.Status.Phase);
        Assert.Null(world.Status.Standby);
        Assert.Equal(0, world.Standby!.Spec.Replicas);
        Assert.Null(StandbyWeight(world));
    }

    [Fact]
    public void Next_RollbackWindowZero_NoStandby()
    {
        var world = new World(Canary("    stepWeight: 50\n    rollbackWindow: 0s"), Target("v1"));
        world.Initialize();
        world.Target = Target("v2");
        while (world.Status.Phase != CanaryPhases.Succeeded)
        {
            world.Step();
        }

        Assert.Null(world.Standby);
        Assert.Null(world.Status.Standby);
        Assert.False(CanaryStateMachine.NeedsMetrics(world.Canary));
    }

    [Fact]
    public void Next_BlueGreenWithMirror_IterationsMirrorToTheCanaryThenTheSwitchDoesNot()
    {
        var world = new World(Canary("    iterations: 2\n    mirror: true\n    mirrorWeight: 40"), Target("v1"));
        world.Initialize();
        world.Target = Target("v2");
        world.Step(); // Progressing

        world.Step();
        Assert.Equal(1, world.Status.Iterations);
        Assert.Equal((100, 0), world.Weights);
        var mirror = world.Route!.Spec.Rules[^1].Filters.RequestMirror!;
        Assert.Equal(("podinfo-canary", 9898, 40.0), (mirror.BackendRef.Name, mirror.BackendRef.Port, mirror.Percent));

        world.Step();
        world.Step();
        Assert.Equal((0, 100), world.Weights);
        Assert.Null(world.Route.Spec.Rules[^1].Filters.RequestMirror);
    }
}
