using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Rollouts;

namespace Linnet.ControlPlane.Core.Tests.Rollouts;

/// <summary><c>revertOnDeletion</c>, as Flagger's finalizer does it: the target scaled to the primary's replicas,
/// the apex Service selecting it once it is ready, then the controller's objects and the Canary removed.</summary>
public sealed partial class CanaryStateMachineTests
{
    private static CanaryResource Terminating(CanaryResource canary, DateTimeOffset at) =>
        canary with { Status = canary.Status with { Phase = CanaryPhases.Terminating, LastTransitionTime = at } };

    [Fact]
    public void Parse_RevertOnDeletion_ReadAndRoundTrips()
    {
        var canary = Canary("    stepWeight: 10");
        var yaml = ResourceWriter.ToJsonLine(canary with { Spec = canary.Spec with { RevertOnDeletion = true } });

        var reread = (CanaryResource)ManifestParser.Parse(yaml, "store", ManifestOrigin.Store).Resources.Single();

        Assert.True(reread.Spec.RevertOnDeletion);
        Assert.False(canary.Spec.RevertOnDeletion);
    }

    [Fact]
    public void Next_Terminating_TargetScaledToPrimaryReplicasAndApexMovedOnlyOnceReadyThenEverythingRemoved()
    {
        var world = new World(Canary("    stepWeight: 10\n    maxWeight: 30"), Target("v1", replicas: 3));
        world.Initialize();
        Assert.Equal(0, world.Target.Spec.Replicas);

        // The API marked it Terminating (linnet delete canary podinfo); the target's instances are not up yet.
        var canary = Terminating(world.Canary, world.Now);
        var observation = new CanaryObservation(world.Now + TimeSpan.FromSeconds(1), world.Target, world.Primary, 1, 3, new Dictionary<string, double?>());
        var waiting = CanaryStateMachine.Next(canary, observation);

        var scaled = Assert.Single(waiting.Writes.OfType<WorkloadResource>());
        Assert.Equal(("podinfo", 3), (scaled.Metadata.Name, scaled.Spec.Replicas));
        Assert.DoesNotContain(waiting.Writes, w => w is ServiceResource);
        Assert.Empty(waiting.Deletes);
        Assert.False(waiting.DeletesCanary);
        Assert.Equal(CanaryPhases.Terminating, waiting.Status.Phase);
        Assert.Contains("1 of 3 instances ready", waiting.Status.Events[^1].Message, StringComparison.Ordinal);

        // Ready: the apex selects the target and the route goes, in one step.
        var ready = CanaryStateMachine.Next(canary with { Status = waiting.Status }, observation with { Target = scaled, TargetReady = 3 });

        var apex = Assert.Single(ready.Writes.OfType<ServiceResource>());
        Assert.Equal(("podinfo", "podinfo"), (apex.Metadata.Name, apex.Spec.Selector["app"]));
        Assert.Equal(new[] { new ResourceKey(HttpRouteResource.KindName, "test", "podinfo") }, ready.Deletes);
        Assert.False(ready.DeletesCanary);
        Assert.Equal(CanaryPhases.Terminated, ready.Status.Phase);

        // One step later the primary, its services, the standby's and the Canary itself go; the apex stays.
        var removed = CanaryStateMachine.Next(canary with { Status = ready.Status }, observation with { Target = scaled, TargetReady = 3 });

        Assert.True(removed.DeletesCanary);
        Assert.Empty(removed.Writes);
        Assert.Contains(new ResourceKey(WorkloadResource.KindName, "test", "podinfo-primary"), removed.Deletes);
        Assert.Contains(new ResourceKey(ServiceResource.KindName, "test", "podinfo-primary"), removed.Deletes);
        Assert.Contains(new ResourceKey(ServiceResource.KindName, "test", "podinfo-canary"), removed.Deletes);
        Assert.Contains(new ResourceKey(WorkloadResource.KindName, "test", "podinfo-standby"), removed.Deletes);
        Assert.DoesNotContain(new ResourceKey(ServiceResource.KindName, "test", "podinfo"), removed.Deletes);
        Assert.DoesNotContain(new ResourceKey(WorkloadResource.KindName, "test", "podinfo"), removed.Deletes);
    }

    [Fact]
    public void Next_TerminatingWithoutPrimary_TargetScaledFromZeroToOne()
    {
        var canary = Terminating(Canary("    stepWeight: 10"), Start);

        var step = CanaryStateMachine.Next(canary, new CanaryObservation(Start, Target("v1", replicas: 0), null, 0, 0, new Dictionary<string, double?>()));

        Assert.Equal(1, Assert.Single(step.Writes.OfType<WorkloadResource>()).Spec.Replicas);
        Assert.Equal(CanaryPhases.Terminating, step.Status.Phase);
    }

    [Fact]
    public void Next_TerminatingSuspendedCanary_StillReverts()
    {
        var canary = Terminating(Canary("    stepWeight: 10"), Start);
        canary = canary with { Spec = canary.Spec with { Suspend = true } };

        var step = CanaryStateMachine.Next(canary, new CanaryObservation(Start, Target("v1", replicas: 2), null, 2, 0, new Dictionary<string, double?>()));

        Assert.Equal(CanaryPhases.Terminated, step.Status.Phase);
        Assert.Single(step.Writes.OfType<ServiceResource>());
    }

    [Fact]
    public void Next_TerminatingWithoutTarget_WaitsAndSaysHowToForceIt()
    {
        var canary = Terminating(Canary("    stepWeight: 10"), Start);

        var step = CanaryStateMachine.Next(canary, new CanaryObservation(Start, null, null, 0, 0, new Dictionary<string, double?>()));

        Assert.Empty(step.Writes);
        Assert.False(step.DeletesCanary);
        Assert.Contains("delete the Canary again", step.Status.Events[^1].Message, StringComparison.Ordinal);
    }
}
