using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Rollouts;
using Linnet.ControlPlane.Core.Store;
using Linnet.Platform.Kubernetes.Cluster;
using Linnet.Testing.Kubernetes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Linnet.Platform.Kubernetes.Tests.Cluster;

/// <summary>Canaries on a cluster, at the platform's edge: what of a Flagger Canary is run there and what is refused
/// (with the field and the reason, never half-run); a Canary of each API group under one name (only one is mirrored, the
/// other refused until the first is gone); and the canary writer, which writes only on the leader and only over the
/// resourceVersion the mirror saw.</summary>
public sealed class ClusterCanaryTests : IAsyncLifetime
{
    private static readonly WatchedType FlaggerCanaries = WatchedType.All.Single(t => t.Kind == "Canary" && t.Group == "flagger.app");
    private static readonly WatchedType LinnetCanaries = WatchedType.All.Single(t => t.Kind == "Canary" && t.Group == "linnet.io");
    private static readonly ResourceKey Key = new(CanaryResource.KindName, "default", "podinfo");
    private ClusterHarness _cluster = null!;

    public async ValueTask InitializeAsync() => _cluster = await ClusterHarness.StartAsync();

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    [Theory]
    [InlineData("""{"stepWeight": 10, "rollbackWindow": "5m"}""", "spec.analysis.rollbackWindow: warm rollback ('5m') is not run on a cluster yet")]
    public void Canary_WithWhatIsNotRunOnACluster_RefusedNamingTheField(string analysis, string reason)
    {
        var errors = new List<string>();

        var resource = ClusterObjects.ToResource(FlaggerCanaries, Canary("flagger.app/v1beta1", JsonNode.Parse(analysis)!.AsObject()), errors);

        Assert.Null(resource);
        Assert.Contains(errors, e => e.StartsWith(reason, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"stepWeight": 10, "webhooks": [{"name": "gate", "type": "confirm-rollout", "url": "http://127.0.0.1:1/gate"}, {"name": "smoke", "type": "pre-rollout", "url": "http://flagger-loadtester.test/"}]}""")]
    [InlineData("""{"stepWeight": 10, "alerts": [{"name": "slack", "severity": "info", "providerRef": {"name": "slack"}}]}""")]
    [InlineData("""{"iterations": 5}""")]
    [InlineData("""{"stepWeight": 10, "judge": "sequential"}""")]
    [InlineData("""{"iterations": 5, "mirror": true, "mirrorWeight": 20}""")]
    [InlineData("""{"stepWeight": 10, "sessionAffinity": {"cookieName": "canary"}}""")]
    [InlineData("""{"stepWeight": 10, "metrics": [{"name": "errors", "templateRef": {"name": "error-rate"}, "thresholdRange": {"max": 5}}]}""")]
    [InlineData("""{"iterations": 5, "match": [{"headers": {"x-canary": {"exact": "1"}}}]}""")]
    public void Canary_WithWhatTheClusterControllerRuns_Mirrored(string analysis)
    {
        var errors = new List<string>();

        var resource = ClusterObjects.ToResource(FlaggerCanaries, Canary("flagger.app/v1beta1", JsonNode.Parse(analysis)!.AsObject()), errors);

        Assert.Empty(errors);
        var canary = Assert.IsType<CanaryResource>(resource);
        Assert.Equal(JsonNode.Parse(analysis)!["webhooks"]?.AsArray().Count ?? 0, canary.Spec.Analysis.Webhooks.Count);
        Assert.Equal(JsonNode.Parse(analysis)!["alerts"]?.AsArray().Count ?? 0, canary.Spec.Analysis.Alerts.Count);
    }

    [Fact]
    public void MetricTemplate_SecretRef_RefusedNamingTheField_OneWithoutMirrored()
    {
        var templates = WatchedType.All.Single(t => t.Kind == "MetricTemplate");
        JsonObject Template(string provider) => JsonNode.Parse($$"""
            { "apiVersion": "flagger.app/v1beta1", "kind": "MetricTemplate", "metadata": { "name": "error-rate", "namespace": "default" },
              "spec": { "provider": {{provider}}, "query": "sum(rate(errors[1m]))" } }
            """)!.AsObject();
        var errors = new List<string>();

        Assert.Null(ClusterObjects.ToResource(templates, Template("""{ "type": "prometheus", "address": "http://prometheus.monitoring:9090", "secretRef": { "name": "prom-auth" } }"""), errors));
        Assert.StartsWith("spec.provider.secretRef: Secret 'prom-auth' is not read on a cluster", Assert.Single(errors), StringComparison.Ordinal);
        errors.Clear();

        Assert.IsType<MetricTemplateResource>(ClusterObjects.ToResource(templates, Template("""{ "type": "prometheus", "address": "http://prometheus.monitoring:9090" }"""), errors));
        Assert.Empty(errors);
    }

    [Fact]
    public void Canary_AWorkloadTarget_Refused()
    {
        var workload = Canary("flagger.app/v1beta1", new JsonObject { ["stepWeight"] = 10 });
        workload["spec"]!["targetRef"] = new JsonObject { ["apiVersion"] = "linnet.io/v1alpha1", ["kind"] = "Workload", ["name"] = "podinfo" };
        var errors = new List<string>();

        Assert.Null(ClusterObjects.ToResource(FlaggerCanaries, workload, errors));
        Assert.Contains(errors, e => e.StartsWith("spec.targetRef.kind: 'Workload' is not rolled out on a cluster", StringComparison.Ordinal));
    }

    // revertOnDeletion runs on a cluster through Flagger's finalizer: a Canary the API server holds for it (marked with
    // deletionTimestamp, finalizer.flagger.app still on it) is Terminating from the time it was marked; one without the
    // finalizer, or without revertOnDeletion, is not reverted.
    [Fact]
    public void Canary_RevertOnDeletion_Mirrored_TerminatingOnlyWhenMarkedAndHeldByFlaggersFinalizer()
    {
        JsonObject Revert(bool revert, string? deleted, params string[] finalizers)
        {
            var canary = Canary("flagger.app/v1beta1", new JsonObject { ["stepWeight"] = 10 });
            canary["spec"]!["revertOnDeletion"] = revert;
            canary["metadata"]!["finalizers"] = new JsonArray([.. finalizers.Select(f => (JsonNode)f)]);
            if (deleted is not null)
            {
                canary["metadata"]!["deletionTimestamp"] = deleted;
            }

            canary["status"] = new JsonObject { ["phase"] = "Progressing", ["canaryWeight"] = 20 };
            return canary;
        }

        var errors = new List<string>();
        var running = Assert.IsType<CanaryResource>(ClusterObjects.ToResource(FlaggerCanaries, Revert(true, null, "finalizer.flagger.app"), errors));
        var marked = Assert.IsType<CanaryResource>(ClusterObjects.ToResource(FlaggerCanaries, Revert(true, "2026-12-05T04:00:00Z", "example.com/other", "finalizer.flagger.app"), errors));
        var removedByHand = Assert.IsType<CanaryResource>(ClusterObjects.ToResource(FlaggerCanaries, Revert(true, "2026-12-05T04:00:00Z", "example.com/other"), errors));
        var optedOut = Assert.IsType<CanaryResource>(ClusterObjects.ToResource(FlaggerCanaries, Revert(false, "2026-12-05T04:00:00Z", "finalizer.flagger.app"), errors));

        Assert.Empty(errors);
        Assert.True(running.Spec.RevertOnDeletion);
        Assert.Equal(CanaryPhases.Progressing, running.Status.Phase);
        Assert.Equal(CanaryPhases.Terminating, marked.Status.Phase);
        Assert.Equal(new DateTimeOffset(2026, 12, 5, 4, 0, 0, TimeSpan.Zero), marked.Status.LastTransitionTime);
        Assert.StartsWith("Terminating canary podinfo.default", marked.Status.Events[^1].Message, StringComparison.Ordinal);
        Assert.Equal(CanaryPhases.Progressing, removedByHand.Status.Phase);
        Assert.Equal(CanaryPhases.Progressing, optedOut.Status.Phase);
    }

    // The Kubernetes docs: an object marked for deletion is still there (a MODIFIED event) until its finalizers are gone
    // (a DELETED event); the mirror keeps it until then.
    [Fact]
    public async Task Canary_MarkedForDeletion_StaysMirroredUntilItsFinalizerIsRemoved()
    {
        await _cluster.InformAsync(FlaggerCanaries);
        var canary = Canary("flagger.app/v1beta1", new JsonObject { ["stepWeight"] = 10 });
        canary["spec"]!["revertOnDeletion"] = true;
        canary["metadata"]!["finalizers"] = new JsonArray("finalizer.flagger.app");
        await _cluster.CreateAsync("/apis/flagger.app/v1beta1/namespaces/default/canaries", canary);
        await _cluster.WaitForAsync(s => s.Resources.ContainsKey(Key), "the Canary");

        await _cluster.SendAsync(HttpMethod.Delete, "/apis/flagger.app/v1beta1/namespaces/default/canaries/podinfo");
        var marked = await _cluster.WaitForAsync(s => s.Resources.GetValueOrDefault(Key) is CanaryResource { Status.Phase: CanaryPhases.Terminating }, "the Canary terminating");
        Assert.NotNull(_cluster.Mirror.Source(Key)!.Value.Object["metadata"]!["deletionTimestamp"]);
        Assert.True(marked.Resources.ContainsKey(Key));

        await _cluster.SendAsync(HttpMethod.Patch, "/apis/flagger.app/v1beta1/namespaces/default/canaries/podinfo", new JsonObject { ["metadata"] = new JsonObject { ["finalizers"] = new JsonArray() } }, "application/merge-patch+json");
        await _cluster.WaitForAsync(s => !s.Resources.ContainsKey(Key), "the Canary gone");
        Assert.Null(_cluster.Mirror.Source(Key));
    }

    [Fact]
    public void Canary_CanaryStrategyOfADeployment_Run_WithoutWarmRollback()
    {
        var errors = new List<string>();
        var plain = ClusterObjects.ToResource(FlaggerCanaries, Canary("flagger.app/v1beta1", new JsonObject { ["stepWeight"] = 10, ["maxWeight"] = 50 }), errors);
        var zero = ClusterObjects.ToResource(FlaggerCanaries, Canary("flagger.app/v1beta1", new JsonObject { ["stepWeight"] = 10, ["rollbackWindow"] = "0" }), errors);

        Assert.Empty(errors);
        var canary = Assert.IsType<CanaryResource>(plain);
        Assert.Equal((10, 50), (canary.Spec.Analysis.StepWeight, canary.Spec.Analysis.MaxWeight));

        // Flagger keeps no previous primary: Linnet's warm rollback (on by default in universal mode) is off.
        Assert.Equal(TimeSpan.Zero, canary.Spec.Analysis.RollbackWindow);
        Assert.Equal(TimeSpan.Zero, Assert.IsType<CanaryResource>(zero).Spec.Analysis.RollbackWindow);
    }

    [Fact]
    public async Task SameNamedCanariesOfBothGroups_TheSecondRefused_TakenOnceTheFirstIsDeleted()
    {
        await _cluster.InformAsync(FlaggerCanaries);
        await _cluster.CreateAsync("/apis/flagger.app/v1beta1/namespaces/default/canaries", Canary("flagger.app/v1beta1", new JsonObject { ["stepWeight"] = 10 }));
        await _cluster.WaitForAsync(s => s.Resources.ContainsKey(Key), "the flagger.app Canary");
        await _cluster.InformAsync(LinnetCanaries);
        await _cluster.CreateAsync("/apis/linnet.io/v1alpha1/namespaces/default/canaries", Canary("linnet.io/v1alpha1", new JsonObject { ["stepWeight"] = 20 }));
        await WaitAsync(() => _cluster.Mirror.Refused.ContainsKey("Canary default/podinfo"), "the linnet.io Canary refused");

        var reason = Assert.Single(_cluster.Mirror.Refused["Canary default/podinfo"]);
        Assert.StartsWith("metadata.name: Canary default/podinfo of flagger.app/v1beta1 is already mirrored, and this one (linnet.io/v1alpha1)", reason, StringComparison.Ordinal);
        Assert.Equal(10, ((CanaryResource)_cluster.Store.Snapshot().Resources[Key]).Spec.Analysis.StepWeight);

        await _cluster.SendAsync(HttpMethod.Delete, "/apis/flagger.app/v1beta1/namespaces/default/canaries/podinfo");
        var taken = await _cluster.WaitForAsync(s => s.Resources.GetValueOrDefault(Key) is CanaryResource { Spec.Analysis.StepWeight: 20 }, "the linnet.io Canary mirrored in its place");

        Assert.Empty(_cluster.Mirror.Refused);
        Assert.True(taken.Resources.ContainsKey(Key));
    }

    [Fact]
    public async Task Writer_NotLeading_WritesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var (canary, step) = await ScaleStepAsync(ct);
        var writer = new ClusterCanaryWriter(_cluster.Mirror, _cluster.Api, () => false, NullLogger.Instance);
        var requests = _cluster.Server.Requests.Count;

        Assert.False(writer.CanWrite);
        await Assert.ThrowsAsync<InvalidOperationException>(() => writer.WriteAsync(canary, step, ct));

        Assert.Equal(requests, _cluster.Server.Requests.Count);
        Assert.Equal(2, Replicas());
    }

    [Fact]
    public async Task Writer_TargetChangedOnTheClusterSinceTheMirrorSawIt_NotOverwritten()
    {
        var ct = TestContext.Current.CancellationToken;
        var (canary, step) = await ScaleStepAsync(ct);
        var writer = new ClusterCanaryWriter(_cluster.Mirror, _cluster.Api, () => true, NullLogger.Instance);

        // Someone scales the target meanwhile (kubectl scale); the mirror has not seen it yet.
        await _cluster.SendAsync(HttpMethod.Patch, "/apis/apps/v1/namespaces/default/deployments/podinfo", JsonNode.Parse("""{"spec": {"replicas": 3}}"""), "application/merge-patch+json");

        await Assert.ThrowsAsync<ConflictException>(() => writer.WriteAsync(canary, step, ct));

        Assert.Equal(3, Replicas());
        Assert.Contains(_cluster.Server.Requests, r => r.Method == "PATCH" && r.Path == "/apis/apps/v1/namespaces/default/deployments/podinfo" && r.StatusCode == 409);
        Assert.Equal(0, writer.Writes);
    }

    [Fact]
    public async Task Writer_StatusChangedSinceTheStepWasDecided_NotWritten()
    {
        var ct = TestContext.Current.CancellationToken;
        var (canary, _) = await ScaleStepAsync(ct);
        var writer = new ClusterCanaryWriter(_cluster.Mirror, _cluster.Api, () => true, NullLogger.Instance);
        var decidedFrom = canary with { Status = canary.Status with { Phase = CanaryPhases.Progressing, CanaryWeight = 10 } };
        var step = new CanaryStep(decidedFrom.Status with { CanaryWeight = 20 }, []);

        // The step was decided from a status (weight 10) the cluster's Canary does not hold: nothing is written.
        await Assert.ThrowsAsync<ConflictException>(() => writer.WriteAsync(decidedFrom, step, ct));

        Assert.Null(_cluster.Server.Get(ClusterHarness.FakeType(FlaggerCanaries), "default", "podinfo")!["status"]);
        Assert.DoesNotContain(_cluster.Server.Requests, r => r.Method == "PUT" && r.Path.EndsWith("/status", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Writer_ApexServiceAUserMade_TakenOver_ItsSelectorReplacedWhole()
    {
        var ct = TestContext.Current.CancellationToken;
        var (canary, _) = await ScaleStepAsync(ct);
        var service = ClusterHarness.Service("podinfo", 9898, 9898, "podinfo");
        service["spec"]!["selector"]!["tier"] = "web";
        await _cluster.Mirror.UpsertAsync(WatchedType.Services, await _cluster.CreateAsync("/api/v1/namespaces/default/services", service), ct);
        var apex = CanaryObjects.Services(canary, ClusterCanaryWriter.View(Deployment()), "app").Single(s => s.Metadata.Name == "podinfo");
        var writer = new ClusterCanaryWriter(_cluster.Mirror, _cluster.Api, () => true, NullLogger.Instance);

        Assert.True(await writer.WriteAsync(canary, new CanaryStep(canary.Status, [apex]), ct));

        var selector = _cluster.Server.Get(FakeResourceType.Services, "default", "podinfo")!["spec"]!["selector"]!.AsObject();
        Assert.Equal(["app=podinfo-primary"], selector.Select(p => $"{p.Key}={p.Value}"));
        Assert.Equal("10.96.0.10", _cluster.Server.Get(FakeResourceType.Services, "default", "podinfo")!["spec"]!["clusterIP"]!.GetValue<string>());
    }

    [Fact]
    public async Task Writer_Promotion_ThePrimaryGetsTheTargetsTemplateWhole_FieldsTheTargetDroppedGone()
    {
        var ct = TestContext.Current.CancellationToken;
        var (canary, _) = await ScaleStepAsync(ct);
        var writer = new ClusterCanaryWriter(_cluster.Mirror, _cluster.Api, () => true, NullLogger.Instance);
        var v1 = Deployment();
        v1["spec"]!["template"]!["spec"]!["containers"]![0]!["env"] = new JsonArray(new JsonObject { ["name"] = "OLD", ["value"] = "1" });
        v1["spec"]!["template"]!["metadata"]!["annotations"] = new JsonObject { ["old"] = "1" };
        var created = await _cluster.SendAsync(HttpMethod.Put, "/apis/apps/v1/namespaces/default/deployments/podinfo", WithVersion(v1, "podinfo"));
        await _cluster.Mirror.UpsertAsync(WatchedType.Deployments, created, ct);
        var target = ClusterCanaryWriter.View(created);
        Assert.True(await writer.WriteAsync(canary, new CanaryStep(canary.Status, [CanaryObjects.Primary(canary, target, target.Spec, "app", null)]), ct));
        await _cluster.Mirror.UpsertAsync(WatchedType.Deployments, _cluster.Server.Get(FakeResourceType.Deployments, "default", "podinfo-primary")!, ct);

        // v2 drops the variable and the annotation, and changes the image: promoted, the primary has none of them.
        var changed = await _cluster.SendAsync(HttpMethod.Put, "/apis/apps/v1/namespaces/default/deployments/podinfo", WithVersion(Deployment("podinfo:2"), "podinfo"));
        await _cluster.Mirror.UpsertAsync(WatchedType.Deployments, changed, ct);
        target = ClusterCanaryWriter.View(changed);
        Assert.True(await writer.WriteAsync(canary, new CanaryStep(canary.Status, [CanaryObjects.Primary(canary, target, target.Spec, "app", null)]), ct));

        var template = _cluster.Server.Get(FakeResourceType.Deployments, "default", "podinfo-primary")!["spec"]!["template"]!;
        var container = template["spec"]!["containers"]![0]!;
        Assert.Equal("podinfo:2", container["image"]!.GetValue<string>());
        Assert.Null(container["env"]);
        Assert.Null(template["metadata"]!["annotations"]);
        Assert.Equal("podinfo-primary", template["metadata"]!["labels"]!["app"]!.GetValue<string>());
        Assert.Equal(ClusterCanaryWriter.TemplateHash(changed), ClusterCanaryWriter.TemplateHash(_cluster.Server.Get(FakeResourceType.Deployments, "default", "podinfo-primary")!));
    }

    [Fact]
    public async Task Writer_RevertOnDeletion_FinalizerAddedFirst_TheStepsStatusWrittenOverTheNewVersion()
    {
        var ct = TestContext.Current.CancellationToken;
        var (canary, step) = await ScaleStepAsync(ct, revert: true);
        var writer = new ClusterCanaryWriter(_cluster.Mirror, _cluster.Api, () => true, NullLogger.Instance);

        Assert.True(await writer.WriteAsync(canary, step with { Status = canary.Status with { Phase = CanaryPhases.Initialized } }, ct));

        var obj = _cluster.Server.Get(ClusterHarness.FakeType(FlaggerCanaries), "default", "podinfo")!;
        Assert.Equal(["finalizer.flagger.app"], obj["metadata"]!["finalizers"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.Equal(CanaryPhases.Initialized, obj["status"]!["phase"]!.GetValue<string>());
        Assert.Equal(0, Replicas());
        Assert.DoesNotContain(_cluster.Server.Requests, r => r.StatusCode == 409);
    }

    // Flagger's update handler: revertOnDeletion turned off removes the finalizer, even from a Canary already marked for
    // deletion, which the API server then deletes; nothing of the step is written.
    [Fact]
    public async Task Writer_MarkedCanaryOptedOut_FinalizerRemoved_CanaryDeleted_NothingElseWritten()
    {
        var ct = TestContext.Current.CancellationToken;
        await ScaleStepAsync(ct, revert: true, held: true);
        await _cluster.SendAsync(HttpMethod.Delete, "/apis/flagger.app/v1beta1/namespaces/default/canaries/podinfo");
        var optedOut = await _cluster.SendAsync(HttpMethod.Patch, "/apis/flagger.app/v1beta1/namespaces/default/canaries/podinfo", JsonNode.Parse("""{"spec": {"revertOnDeletion": false}}"""), "application/merge-patch+json");
        await _cluster.Mirror.UpsertAsync(FlaggerCanaries, optedOut, ct);
        var canary = (CanaryResource)_cluster.Store.Snapshot().Resources[Key];
        var target = ClusterCanaryWriter.View(_cluster.Server.Get(FakeResourceType.Deployments, "default", "podinfo")!);
        var writer = new ClusterCanaryWriter(_cluster.Mirror, _cluster.Api, () => true, NullLogger.Instance);

        Assert.NotEqual(CanaryPhases.Terminating, canary.Status.Phase);
        Assert.True(await writer.WriteAsync(canary, new CanaryStep(canary.Status with { Phase = CanaryPhases.Initialized }, [target with { Spec = target.Spec with { Replicas = 0 } }]), ct));

        Assert.Null(_cluster.Server.Get(ClusterHarness.FakeType(FlaggerCanaries), "default", "podinfo"));
        Assert.Equal(2, Replicas());
    }

    // The revert's last step removes the finalizer only from a Canary the API server has marked for deletion.
    [Fact]
    public async Task Writer_LastRevertStep_OnACanaryNotMarkedForDeletion_Conflict_FinalizerKept()
    {
        var ct = TestContext.Current.CancellationToken;
        var (canary, _) = await ScaleStepAsync(ct, revert: true, held: true);
        var writer = new ClusterCanaryWriter(_cluster.Mirror, _cluster.Api, () => true, NullLogger.Instance);

        await Assert.ThrowsAsync<ConflictException>(() => writer.WriteAsync(canary, new CanaryStep(canary.Status, []) { DeletesCanary = true }, ct));

        Assert.Equal(["finalizer.flagger.app"], _cluster.Server.Get(ClusterHarness.FakeType(FlaggerCanaries), "default", "podinfo")!["metadata"]!["finalizers"]!.AsArray().Select(f => f!.GetValue<string>()));
    }

    private JsonObject WithVersion(JsonObject deployment, string name)
    {
        deployment["metadata"]!["resourceVersion"] = _cluster.Server.Get(FakeResourceType.Deployments, "default", name)!["metadata"]!["resourceVersion"]!.DeepClone();
        return deployment;
    }

    // A Deployment and a Canary on the cluster, both mirrored, and the step that scales the target to 0.
    // revert: the Canary has revertOnDeletion (and, held, Flagger's finalizer already).
    private async Task<(CanaryResource Canary, CanaryStep Step)> ScaleStepAsync(CancellationToken ct, bool revert = false, bool held = false)
    {
        var deployment = await _cluster.CreateAsync("/apis/apps/v1/namespaces/default/deployments", Deployment());
        await _cluster.Mirror.UpsertAsync(WatchedType.Deployments, deployment, ct);
        var obj = Canary("flagger.app/v1beta1", new JsonObject { ["stepWeight"] = 10 });
        obj["spec"]!["revertOnDeletion"] = revert;
        if (held)
        {
            obj["metadata"]!["finalizers"] = new JsonArray("finalizer.flagger.app");
        }

        var created = await _cluster.CreateAsync("/apis/flagger.app/v1beta1/namespaces/default/canaries", obj);
        await _cluster.Mirror.UpsertAsync(FlaggerCanaries, created, ct);
        var canary = (CanaryResource)_cluster.Store.Snapshot().Resources[Key];
        var target = ClusterCanaryWriter.View(deployment);
        return (canary, new CanaryStep(canary.Status, [target with { Spec = target.Spec with { Replicas = 0 } }]));
    }

    private int? Replicas() => _cluster.Server.Get(FakeResourceType.Deployments, "default", "podinfo")?["spec"]?["replicas"]?.GetValue<int>();

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            try
            {
                await Task.Delay(20, timeout.Token); // polling a condition with a deadline
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"never saw {what}");
            }
        }
    }

    private static JsonObject Deployment(string image = "podinfo:1") => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "Deployment",
        ["metadata"] = new JsonObject { ["name"] = "podinfo" },
        ["spec"] = new JsonObject
        {
            ["replicas"] = 2,
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "podinfo" } },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = "podinfo" } },
                ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "podinfo", ["image"] = image }) },
            },
        },
    };

    private static JsonObject Canary(string apiVersion, JsonObject analysis)
    {
        analysis["interval"] ??= "1s";
        return new JsonObject
        {
            ["apiVersion"] = apiVersion,
            ["kind"] = "Canary",
            ["metadata"] = new JsonObject { ["name"] = "podinfo", ["namespace"] = "default" },
            ["spec"] = new JsonObject
            {
                ["targetRef"] = new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = "podinfo" },
                ["service"] = new JsonObject { ["port"] = 9898 },
                ["analysis"] = analysis,
            },
        };
    }
}
