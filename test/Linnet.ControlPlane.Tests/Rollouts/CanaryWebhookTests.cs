using System.Globalization;
using System.Text;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Rollouts;
using Linnet.ControlPlane.Security;
using Linnet.ControlPlane.Tests.Infrastructure;
using Linnet.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Linnet.ControlPlane.Tests.Rollouts;

/// <summary>Each of Flagger's webhook types against a real HTTP receiver, driven by the real canary controller:
/// the payload Flagger posts, and whether the answer gates, fails or rolls the canary back.</summary>
public sealed class CanaryWebhookTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private TestControlPlane _cp = null!;
    private HookReceiver _hooks = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _cp = await TestControlPlane.StartAsync(Ct);
        _hooks = await HookReceiver.StartAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _cp.DisposeAsync();
        await _hooks.DisposeAsync();
    }

    private static string Workload(string version, int replicas) => $$"""
        apiVersion: linnet.io/v1alpha1
        kind: Workload
        metadata: { name: podinfo, namespace: test, labels: { app: podinfo } }
        spec: { command: /bin/podinfo, ports: [9898], replicas: {{replicas}}, version: "{{version}}" }

        """;

    private string Canary(string strategy, params (string Type, string Name)[] hooks)
    {
        var list = new StringBuilder();
        foreach (var (type, name) in hooks)
        {
            list.Append(CultureInfo.InvariantCulture, $"      - {{ type: {type}, name: {name}, url: {_hooks.Url(name)}, timeout: 5s, metadata: {{ type: cmd, cmd: \"hey -z 1m http://podinfo-canary.test:9898/\" }} }}\n");
        }

        return $"""
            apiVersion: flagger.app/v1beta1
            kind: Canary
            metadata: {"{"} name: podinfo, namespace: test {"}"}
            spec:
              targetRef: {"{"} apiVersion: apps/v1, kind: Deployment, name: podinfo {"}"}
              service: {"{"} port: 9898 {"}"}
              analysis:
                interval: 1s
                threshold: 2
            {strategy}
                webhooks:
            {list}
            """;
    }

    // The supervisor's part: one ready instance of the primary and one of the target.
    private async Task StartAsync(string canary)
    {
        await _cp.ApplyOkAsync(Manifests.Join(Workload("1", 1), canary), Ct);
        await _cp.CommitAsStoreAsync(Manifests.Join(Manifests.Instance("podinfo-primary-0", "podinfo-primary", "127.0.0.2", "test"), Manifests.Instance("podinfo-0", "podinfo", "127.0.0.3", "test")), Ct);
        await WaitForAsync(c => c.Status.Phase == CanaryPhases.Initialized, "Initialized");
    }

    private CanaryResource Current => (CanaryResource)_cp.Store.Find(new ResourceKey(CanaryResource.KindName, "test", "podinfo"))!;

    // Re-checked at every store change (no polling).
    private async Task<CanaryResource> WaitForAsync(Func<CanaryResource, bool> condition, string what)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(Timeout);
        var revision = _cp.Store.Revision;
        try
        {
            if (condition(Current))
            {
                return Current;
            }

            await foreach (var _ in _cp.Store.WatchAsync(revision, deadline.Token))
            {
                if (condition(Current))
                {
                    return Current;
                }
            }
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
        }

        throw new TimeoutException($"{what}: not within {Timeout}\n{string.Join('\n', Current.Status.Events.Select(e => $"{e.Type} {e.Message}"))}");
    }

    // Re-checked at every request the receiver gets.
    private async Task WaitForHooksAsync(Func<bool> condition, string what)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(Timeout);
        while (!condition())
        {
            try
            {
                await _hooks.Arrivals.Reader.ReadAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
            {
                throw new TimeoutException($"{what}: not within {Timeout}");
            }
        }
    }

    private Task<long> NewRevisionAsync() => _cp.ApplyOkAsync(Workload("2", 0), Ct);

    [Fact]
    public async Task Rollout_EveryHookType_CalledWithFlaggersPayloadInFlaggersOrderAndPromoted()
    {
        await StartAsync(Canary("    stepWeight: 50\n    maxWeight: 50",
            ("confirm-rollout", "confirm-rollout"), ("pre-rollout", "pre-rollout"), ("rollout", "rollout"), ("confirm-traffic-increase", "confirm-traffic-increase"),
            ("confirm-promotion", "confirm-promotion"), ("post-rollout", "post-rollout"), ("rollback", "rollback"), ("event", "event")));
        _hooks.Answer("rollback", 403);
        await NewRevisionAsync();

        var done = await WaitForAsync(c => c.Status.Phase == CanaryPhases.Succeeded, "Succeeded");

        Assert.Equal("2", ((WorkloadResource)_cp.Store.Find(new ResourceKey(WorkloadResource.KindName, "test", "podinfo-primary"))!).Spec.Version);
        var order = _hooks.Received.Select(r => r.Path).Where(p => p != "event").Distinct().ToList();
        Assert.Equal(["confirm-rollout", "rollback", "pre-rollout", "confirm-traffic-increase", "rollout", "confirm-promotion", "post-rollout"], order);

        // Flagger's CanaryWebhookPayload: name, namespace, phase, checksum and the hook's metadata as given.
        var pre = Assert.Single(_hooks.Bodies("pre-rollout"));
        Assert.Equal(["name", "namespace", "phase", "checksum", "metadata"], pre.Select(p => p.Key));
        Assert.Equal(("podinfo", "test", "Progressing"), ((string?)pre["name"], (string?)pre["namespace"], (string?)pre["phase"]));
        Assert.Equal(("cmd", "hey -z 1m http://podinfo-canary.test:9898/"), ((string?)pre["metadata"]!["type"], (string?)pre["metadata"]!["cmd"]));
        Assert.Equal("Initialized", (string?)_hooks.Bodies("confirm-rollout")[0]["phase"]);
        Assert.Equal("Succeeded", (string?)Assert.Single(_hooks.Bodies("post-rollout"))["phase"]);
        // One revision, one checksum, in every call of its analysis.
        Assert.Single(_hooks.Received.Where(r => r.Path is "rollout" or "confirm-promotion" or "pre-rollout").Select(r => (string?)r.Body["checksum"]).Distinct());
        Assert.All(_hooks.Received, r => Assert.Equal("application/json", r.Headers["Content-Type"]));

        // Event hooks: every event, with eventMessage, eventType and a Unix-milliseconds timestamp, the hook's
        // own metadata beside them.
        await WaitForHooksAsync(() => _hooks.Bodies("event").Any(b => (string?)b["metadata"]!["eventMessage"] == "Promotion completed! Scaling down podinfo.test"), "the last event");
        var events = _hooks.Bodies("event");
        var messages = events.Select(b => (string?)b["metadata"]!["eventMessage"]).ToList();
        Assert.Equal(done.Status.Events.SkipWhile(e => !e.Message.StartsWith("Confirm-rollout", StringComparison.Ordinal)).Select(e => e.Message), messages.SkipWhile(m => !m!.StartsWith("Confirm-rollout", StringComparison.Ordinal)));
        var last = events[^1]["metadata"]!;
        Assert.Equal("Normal", (string?)last["eventType"]);
        Assert.Equal("cmd", (string?)last["type"]);
        var at = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse((string)last["timestamp"]!, CultureInfo.InvariantCulture));
        Assert.Equal(done.Status.Events[^1].At.ToUnixTimeMilliseconds(), at.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task ConfirmRollout_GateClosed_WaitingWithTheTargetAtZeroUntilItOpens()
    {
        await StartAsync(Canary("    stepWeight: 50", ("confirm-rollout", "gate")));
        _hooks.Answer("gate", 403);
        await NewRevisionAsync();

        await WaitForAsync(c => c.Status.Phase == CanaryPhases.Waiting, "Waiting");
        var calls = _hooks.Bodies("gate").Count;
        await WaitForHooksAsync(() => _hooks.Bodies("gate").Count >= calls + 2, "two more polls");
        Assert.Equal(CanaryPhases.Waiting, Current.Status.Phase);
        Assert.Equal(0, ((WorkloadResource)_cp.Store.Find(new ResourceKey(WorkloadResource.KindName, "test", "podinfo"))!).Spec.Replicas);
        Assert.Equal("Waiting", (string?)_hooks.Bodies("gate")[^1]["phase"]);

        _hooks.Answer("gate", 200);
        await WaitForAsync(c => c.Status.Phase == CanaryPhases.Succeeded, "Succeeded");
    }

    [Fact]
    public async Task Rollback_HookAnswers200_RolledBackWithWeightZero()
    {
        await StartAsync(Canary("    stepWeight: 10\n    maxWeight: 90", ("rollback", "undo")));
        _hooks.Answer("undo", 403);
        await NewRevisionAsync();
        await WaitForAsync(c => c.Status.CanaryWeight >= 20, "the canary at 20 %");

        _hooks.Answer("undo", 200);
        var failed = await WaitForAsync(c => c.Status.Phase == CanaryPhases.Failed, "Failed");

        Assert.Equal(0, failed.Status.CanaryWeight);
        Assert.Contains(failed.Status.Events, e => e.Message == "Rolling back podinfo.test manual webhook invoked");
        var route = (HttpRouteResource)_cp.Store.Find(new ResourceKey(HttpRouteResource.KindName, "test", "podinfo"))!;
        Assert.Equal([100, 0], route.Spec.Rules[^1].BackendRefs.Select(b => b.Weight));
    }

    [Fact]
    public async Task PreRollout_503ThenOkWithOneRetry_PassesOnTheRetry()
    {
        await StartAsync(Canary("    stepWeight: 50", ("pre-rollout", "smoke")).Replace("timeout: 5s", "timeout: 5s, retries: 1", StringComparison.Ordinal));
        _hooks.Queue("smoke", 503);
        await NewRevisionAsync();

        var done = await WaitForAsync(c => c.Status.Phase == CanaryPhases.Succeeded, "Succeeded");

        Assert.Equal(2, _hooks.Bodies("smoke").Count);
        Assert.Equal(0, done.Status.FailedChecks);
        Assert.Contains(done.Status.Events, e => e.Message == "Pre-rollout check smoke passed");
    }

    [Fact]
    public async Task Rollout_HookSlowerThanItsTimeout_FailedChecksThenRolledBack()
    {
        await StartAsync(Canary("    stepWeight: 20", ("rollout", "slow")).Replace("timeout: 5s", "timeout: 200ms", StringComparison.Ordinal));
        _hooks.Delay["slow"] = TimeSpan.FromSeconds(10);
        await NewRevisionAsync();

        var failed = await WaitForAsync(c => c.Status.Phase == CanaryPhases.Failed, "Failed");

        Assert.Contains(failed.Status.Events, e => e.Message == "Halt podinfo.test advancement external check slow failed no answer within the timeout 200ms");
        Assert.Contains(failed.Status.Events, e => e.Message == "Rolling back podinfo.test failed checks threshold reached 2");
    }

    [Fact]
    public async Task Rollout_HookAnswers403_FailedChecksWithTheBodyAsReason()
    {
        await StartAsync(Canary("    stepWeight: 20", ("rollout", "check")));
        _hooks.Answer("check", 403);
        await NewRevisionAsync();

        var failed = await WaitForAsync(c => c.Status.Phase == CanaryPhases.Failed, "Failed");

        Assert.Contains(failed.Status.Events, e => e.Message == "Halt podinfo.test advancement external check check failed Forbidden");
    }

    [Fact]
    public async Task Webhook_MeshServiceHost_DialledAtAReadyInstanceOfTheService()
    {
        // Flagger users write the load tester as http://<service>.<namespace>/: the Service's ready instance.
        var canary = Canary("    stepWeight: 50", ("pre-rollout", "smoke")).Replace(_hooks.Url("smoke").ToString(), "http://flagger-loadtester.test/smoke", StringComparison.Ordinal);
        await _cp.ApplyOkAsync(Manifests.Service("flagger-loadtester", "test", $"[ {{ port: 80, targetPort: {_hooks.EndPoint.Port} }} ]"), Ct);
        await _cp.CommitAsStoreAsync(Manifests.Instance("flagger-loadtester-0", "flagger-loadtester", "127.0.0.1", "test"), Ct);
        await StartAsync(canary);
        await NewRevisionAsync();

        await WaitForAsync(c => c.Status.Phase == CanaryPhases.Succeeded, "Succeeded");

        var call = Assert.Single(_hooks.Received, r => r.Path == "smoke");
        Assert.Equal("flagger-loadtester.test", call.Headers["Host"]);
    }

    [Fact]
    public async Task Webhook_EveryCall_SignedWithTheControlPlanesKey()
    {
        await StartAsync(Canary("    stepWeight: 50", ("pre-rollout", "smoke")));
        await NewRevisionAsync();
        await WaitForAsync(c => c.Status.Phase == CanaryPhases.Succeeded, "Succeeded");

        var call = Assert.Single(_hooks.Received, r => r.Path == "smoke");
        var key = _cp.Host.Services.GetRequiredService<WebhookSigningKey>().Key;
        var body = Encoding.UTF8.GetBytes(call.Body.ToJsonString());
        var header = call.Headers[WebhookSignature.Header];
        Assert.True(WebhookSignature.Verify(key, body, header, TimeProvider.System.GetUtcNow()), header);
        Assert.False(WebhookSignature.Verify(new byte[32], body, header, TimeProvider.System.GetUtcNow()));
        Assert.False(WebhookSignature.Verify(key, body, header, TimeProvider.System.GetUtcNow().AddMinutes(10)));

        // es256: a receiver holding only the published public key checks the same call, bound to its method, host
        // and path; the same signature presented for another path does not verify.
        using var publicKey = WebhookSigningKey.ReadPublicKey(_cp.Host.Services.GetRequiredService<WebhookSigningKey>().PublicKey, "the published key");
        var line = WebhookRequestLine.For("POST", _hooks.Url("smoke"));
        Assert.Equal(line.Authority, call.Headers["Host"]);
        var check = WebhookSignature.VerifyRequest(publicKey, line, body, header, TimeProvider.System.GetUtcNow());
        Assert.True(check.Valid, check.Reason);
        Assert.False(WebhookSignature.VerifyRequest(publicKey, line with { PathAndQuery = "/gate/open" }, body, header, TimeProvider.System.GetUtcNow()).Valid);
    }
}
