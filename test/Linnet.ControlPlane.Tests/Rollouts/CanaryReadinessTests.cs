using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Tests.Infrastructure;

namespace Linnet.ControlPlane.Tests.Rollouts;

/// <summary>The real canary controller counts an instance ready for a workload only when it runs the workload's
/// current spec, as Flagger waits for a Deployment's updated replicas: a new revision applied while the target's
/// instance still runs the previous one (not restarted yet) does not start the analysis, nor send it traffic.</summary>
public sealed class CanaryReadinessTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly ResourceKey Key = new(CanaryResource.KindName, "test", "podinfo");
    private TestControlPlane _cp = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _cp = await TestControlPlane.StartAsync(Ct);

    public async ValueTask DisposeAsync() => await _cp.DisposeAsync();

    private static string Workload(string version) => $$"""
        apiVersion: linnet.io/v1alpha1
        kind: Workload
        metadata: { name: podinfo, namespace: test, labels: { app: podinfo } }
        spec: { command: /bin/podinfo, ports: [9898], replicas: 1, version: "{{version}}" }

        """;

    private const string Canary = """
        apiVersion: flagger.app/v1beta1
        kind: Canary
        metadata: { name: podinfo, namespace: test }
        spec:
          targetRef: { apiVersion: apps/v1, kind: Deployment, name: podinfo }
          service: { port: 9898 }
          analysis: { interval: 1s, threshold: 2, maxWeight: 50, stepWeight: 50 }

        """;

    private string SpecHashOf(string workload) =>
        WorkloadSpecHash.Of(((WorkloadResource)_cp.Store.Find(new ResourceKey(WorkloadResource.KindName, "test", workload))!).Spec);

    [Fact]
    public async Task NewRevision_TargetInstanceStillOnThePreviousSpec_NotReadyUntilItRunsTheNewOne()
    {
        await _cp.ApplyOkAsync(Manifests.Join(Workload("1"), Canary), Ct);
        await _cp.WaitForAsync<WorkloadResource>(new ResourceKey(WorkloadResource.KindName, "test", "podinfo-primary"), _ => true, "the primary", Timeout, Ct);
        await _cp.CommitAsStoreAsync(Manifests.Join(
            Manifests.Instance("podinfo-primary-0", "podinfo-primary", "127.0.0.2", "test", specHash: SpecHashOf("podinfo-primary")),
            Manifests.Instance("podinfo-0", "podinfo", "127.0.0.3", "test", specHash: SpecHashOf("podinfo"))), Ct);
        await _cp.WaitForAsync<CanaryResource>(Key, c => c.Status.Phase == CanaryPhases.Initialized, "Initialized", Timeout, Ct);

        // v2, scaled up; its instance is ready but still runs v1 (the supervisor has not restarted it yet).
        var v1 = SpecHashOf("podinfo");
        await _cp.ApplyOkAsync(Workload("2"), Ct);
        await _cp.CommitAsStoreAsync(Manifests.Instance("podinfo-0", "podinfo", "127.0.0.3", "test", specHash: v1), Ct);
        var waiting = await _cp.WaitForAsync<CanaryResource>(Key, c => c.Status.Events.Any(e => e.Message == "Halt advancement podinfo.test waiting for rollout to finish: 0 of 1 instances ready"),
            "halted on the instance that runs v1", Timeout, Ct);
        Assert.Equal((CanaryPhases.Progressing, 0), (waiting.Status.Phase, waiting.Status.CanaryWeight));
        Assert.DoesNotContain(waiting.Status.Events, e => e.Message == "Starting canary analysis for podinfo.test");

        // Restarted on v2: the analysis starts and the canary gets traffic.
        await _cp.CommitAsStoreAsync(Manifests.Instance("podinfo-0", "podinfo", "127.0.0.3", "test", specHash: SpecHashOf("podinfo")), Ct);
        var advanced = await _cp.WaitForAsync<CanaryResource>(Key, c => c.Status.CanaryWeight == 50, "advanced to 50", Timeout, Ct);
        Assert.Contains(advanced.Status.Events, e => e.Message == "Starting canary analysis for podinfo.test");
    }
}
