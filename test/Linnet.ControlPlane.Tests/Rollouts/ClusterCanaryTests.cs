using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using Linnet.ControlPlane.Core.Judge;
using Linnet.ControlPlane.Core.Metrics;
using Linnet.ControlPlane.Core.Notifications;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Tests.Infrastructure;
using Linnet.Platform.Kubernetes.Cluster;
using Linnet.Testing;
using Linnet.Testing.Kubernetes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Linnet.ControlPlane.Tests.Rollouts;

/// <summary>Flagger's canary strategy on a cluster, end to end: a real control plane on the Kubernetes platform against the
/// fake API server. The test plays the cluster's controllers (each Deployment's pods, made ready with the template's
/// images, as the ReplicaSet controller and the kubelet would) and the mesh's metrics (the success rate the proxies would
/// report); the control plane creates <c>podinfo-primary</c>, the Services and the HTTPRoute, steps the weights, promotes
/// or rolls back, and writes the Canary's status through its status subresource, as Flagger does.</summary>
public sealed class ClusterCanaryTests : IAsyncLifetime
{
    private const string Ns = "default";
    private static readonly FakeResourceType Deployments = FakeResourceType.Deployments;
    private static readonly FakeResourceType Services = FakeResourceType.Services;
    private static readonly FakeResourceType Canaries = Type("Canary", "flagger.app");
    private static readonly FakeResourceType HttpRoutes = Type("HTTPRoute", "gateway.networking.k8s.io");
    private readonly SuccessRate _metrics = new();
    private FakeApiServer _server = null!;
    private HttpClient _kube = null!;
    private int _podAddress;

    public async ValueTask InitializeAsync()
    {
        _server = await FakeApiServer.StartAsync(
            WatchedType.All.Where(t => t.Group.Length > 0 && t.Plural != "deployments" && t.Plural != "endpointslices")
                .Select(t => new FakeResourceType(t.Group, t.Version, t.Plural, t.Kind, HasStatus: Core.Kinds.ResourceKinds.Find(t.Kind)!.HasStatus)),
            cancellationToken: TestContext.Current.CancellationToken);
        _kube = new HttpClient { BaseAddress = _server.BaseUri };
        _kube.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _server.Token);
    }

    public async ValueTask DisposeAsync()
    {
        _kube.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Canary_InitializedThenNewImage_WeightsSteppedOnTheRoute_PromotedToThePrimary_TargetScaledToZero_Succeeded()
    {
        var ct = TestContext.Current.CancellationToken;
        await SendAsync(HttpMethod.Post, "/apis/apps/v1/namespaces/default/deployments", Deployment("podinfo", "podinfo:1"));
        await using var cp = await StartAsync(ct);
        await WaitLeadingAsync(cp);
        await SendAsync(HttpMethod.Post, "/apis/flagger.app/v1beta1/namespaces/default/canaries", Canary(maxWeight: 50, stepWeight: 25));

        // Initialize: the primary is a copy of the target selecting its own pods; once it is ready the target is scaled to 0.
        await UntilAsync(() => Phase() == CanaryPhases.Initialized, "phase Initialized");
        var primary = _server.Get(Deployments, Ns, "podinfo-primary")!;
        Assert.Equal("podinfo-primary", primary["spec"]!["selector"]!["matchLabels"]!["app"]!.GetValue<string>());
        Assert.Single(primary["spec"]!["selector"]!["matchLabels"]!.AsObject());
        Assert.Equal("podinfo-primary", primary["spec"]!["template"]!["metadata"]!["labels"]!["app"]!.GetValue<string>());
        Assert.Equal("podinfo:1", Image("podinfo-primary"));
        Assert.Equal(2, primary["spec"]!["replicas"]!.GetValue<int>());
        Assert.False(primary["metadata"]!["annotations"]!.AsObject().ContainsKey("keel.sh/policy"));
        Assert.Equal("Canary", primary["metadata"]!["ownerReferences"]![0]!["kind"]!.GetValue<string>());
        Assert.Equal(0, Replicas("podinfo"));
        Assert.Equal("podinfo-primary", Selector("podinfo"));
        Assert.Equal("podinfo-primary", Selector("podinfo-primary"));
        Assert.Equal("podinfo", Selector("podinfo-canary"));
        Assert.Equal((100, 0), Weights());
        var route = _server.Get(HttpRoutes, Ns, "podinfo")!;
        var parent = route["spec"]!["parentRefs"]![0]!;
        Assert.Equal(("Service", "podinfo", 9898), (parent["kind"]!.GetValue<string>(), parent["name"]!.GetValue<string>(), parent["port"]!.GetValue<int>()));
        var status = Status()!;
        var promoted = status["conditions"]![0]!;
        Assert.Equal(("Promoted", "True", "Initialized"), (promoted["type"]!.GetValue<string>(), promoted["status"]!.GetValue<string>(), promoted["reason"]!.GetValue<string>()));
        Assert.Equal(status["lastAppliedSpec"]!.GetValue<string>(), status["lastPromotedSpec"]!.GetValue<string>());

        // A new image: the canary is scaled up, analysed, stepped 25 then 50 on the route, then promoted.
        await SendAsync(HttpMethod.Patch, "/apis/apps/v1/namespaces/default/deployments/podinfo", JsonNode.Parse("""{"spec": {"template": {"spec": {"containers": [{"name": "podinfo", "image": "podinfo:2", "ports": [{"containerPort": 9898}]}]}}}}""")!, "application/merge-patch+json");
        var seen = new HashSet<(int, int)>();
        await UntilAsync(() => seen.Add(Weights()) is var _ && Phase() == CanaryPhases.Succeeded, "phase Succeeded");

        Assert.Contains((75, 25), seen);
        Assert.Contains((50, 50), seen);
        Assert.DoesNotContain(seen, w => w.Item2 > 50);
        Assert.Equal("podinfo:2", Image("podinfo-primary"));
        Assert.Equal("podinfo-primary", _server.Get(Deployments, Ns, "podinfo-primary")!["spec"]!["template"]!["metadata"]!["labels"]!["app"]!.GetValue<string>());
        Assert.Equal(0, Replicas("podinfo"));
        Assert.Equal((100, 0), Weights());
        status = Status()!;
        Assert.Equal(status["lastAppliedSpec"]!.GetValue<string>(), status["lastPromotedSpec"]!.GetValue<string>());
        Assert.Equal(0, status["canaryWeight"]!.GetValue<int>());
        Assert.Equal(1, Events().Count(e => e == "Advance podinfo.default canary weight 25"));
        Assert.Equal(1, Events().Count(e => e == "Advance podinfo.default canary weight 50"));
    }

    [Fact]
    public async Task Canary_FailingAnalysis_RolledBack_WeightZero_PrimaryKept_TargetScaledToZero_Failed()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await InitializedAsync(Canary(maxWeight: 50, stepWeight: 25), ct);

        // Half the canary's requests fail: below the 99% minimum at every check, rolled back at the second (threshold 2).
        _metrics.Percent = 50;
        await SendAsync(HttpMethod.Patch, "/apis/apps/v1/namespaces/default/deployments/podinfo", JsonNode.Parse("""{"spec": {"template": {"spec": {"containers": [{"name": "podinfo", "image": "podinfo:bad", "ports": [{"containerPort": 9898}]}]}}}}""")!, "application/merge-patch+json");
        await UntilAsync(() => Phase() == CanaryPhases.Failed, "phase Failed");

        Assert.Equal((100, 0), Weights());
        Assert.Equal(0, Replicas("podinfo"));
        Assert.Equal("podinfo:1", Image("podinfo-primary"));
        var status = Status()!;
        Assert.Equal(0, status["canaryWeight"]!.GetValue<int>());
        Assert.Equal(("Promoted", "False"), (status["conditions"]![0]!["type"]!.GetValue<string>(), status["conditions"]![0]!["status"]!.GetValue<string>()));
        Assert.Contains("Halt podinfo.default advancement success rate 50% < 99%", Events());
        Assert.NotEqual(status["lastAppliedSpec"]!.GetValue<string>(), status["lastPromotedSpec"]!.GetValue<string>());
    }

    [Fact]
    public async Task Restart_MidAnalysis_ResumesFromTheStatusOnTheCluster_NoStepRepeatedOrSkipped()
    {
        var ct = TestContext.Current.CancellationToken;
        await SendAsync(HttpMethod.Post, "/apis/apps/v1/namespaces/default/deployments", Deployment("podinfo", "podinfo:1"));
        await SendAsync(HttpMethod.Post, "/apis/flagger.app/v1beta1/namespaces/default/canaries", Canary(maxWeight: 75, stepWeight: 25));
        await using (var first = await StartAsync(ct))
        {
            await WaitLeadingAsync(first);
            await UntilAsync(() => Phase() == CanaryPhases.Initialized, "phase Initialized");
            await SendAsync(HttpMethod.Patch, "/apis/apps/v1/namespaces/default/deployments/podinfo", JsonNode.Parse("""{"spec": {"template": {"spec": {"containers": [{"name": "podinfo", "image": "podinfo:2", "ports": [{"containerPort": 9898}]}]}}}}""")!, "application/merge-patch+json");
            await UntilAsync(() => Status()?["canaryWeight"]?.GetValue<int>() == 25, "the first step (weight 25)");
        }

        var stopped = Status()!["canaryWeight"]!.GetValue<int>();
        Assert.True(stopped < 75, $"stopped at {stopped}: the restart must come before the last step");

        // A new control plane, its store empty: it lists the Canary with its status back and goes on from there.
        await using var second = await StartAsync(ct);
        await WaitLeadingAsync(second);
        await UntilAsync(() => Phase() == CanaryPhases.Succeeded, "phase Succeeded after the restart");

        foreach (var weight in new[] { 25, 50, 75 })
        {
            Assert.Equal(1, Events().Count(e => e == $"Advance podinfo.default canary weight {weight}"));
        }

        Assert.Equal("podinfo:2", Image("podinfo-primary"));
        Assert.Equal((100, 0), Weights());
        Assert.Equal(0, Replicas("podinfo"));
    }

    [Fact]
    public async Task ReplicaNotHoldingTheLease_StepsNoCanary_RefusesCommands_TheLeaderDoes()
    {
        var ct = TestContext.Current.CancellationToken;
        await SendAsync(HttpMethod.Post, "/apis/apps/v1/namespaces/default/deployments", Deployment("podinfo", "podinfo:1"));
        await SendAsync(HttpMethod.Post, "/apis/flagger.app/v1beta1/namespaces/default/canaries", Canary(maxWeight: 90, stepWeight: 10));
        await using var leader = await StartAsync(ct, "replica-a");
        await WaitLeadingAsync(leader);
        await UntilAsync(() => Phase() == CanaryPhases.Initialized, "phase Initialized");
        await SendAsync(HttpMethod.Patch, "/apis/apps/v1/namespaces/default/deployments/podinfo", JsonNode.Parse("""{"spec": {"template": {"spec": {"containers": [{"name": "podinfo", "image": "podinfo:2", "ports": [{"containerPort": 9898}]}]}}}}""")!, "application/merge-patch+json");
        await UntilAsync(() => Phase() == CanaryPhases.Progressing, "phase Progressing");
        await using var follower = await StartAsync(ct, "replica-b");
        await UntilAsync(() => follower.Store.Snapshot().OfKind<CanaryResource>().Any(c => c.Status.Phase == CanaryPhases.Progressing), "the Canary mirrored by the second replica");
        Assert.False(follower.Host.Services.GetRequiredService<KubernetesPlatformService>().Leadership.IsLeader);

        // The follower's controller steps nothing, and its command API writes nothing.
        Assert.Equal(0, await follower.Host.Services.GetRequiredService<ControlPlane.Rollouts.CanaryController>().ReconcileAsync(ct));
        var (code, body) = await follower.SendAsync(HttpMethod.Post, "/api/v1/canaries/default/podinfo/pause", ct);
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, code);
        Assert.Contains("leader lease", body.ToJsonString(), StringComparison.Ordinal);
        Assert.Null(Status()!["command"]);

        // The leader's does.
        var (accepted, _) = await leader.SendAsync(HttpMethod.Post, "/api/v1/canaries/default/podinfo/pause", ct);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, accepted);
        await UntilAsync(() => Status()?["command"]?["action"]?.GetValue<string>() == "pause", "the pause recorded on the cluster");
    }

    [Fact]
    public async Task ManualPromotion_WrittenToTheCanaryStatusOnTheCluster_AppliedAtTheNextStep()
    {
        var ct = TestContext.Current.CancellationToken;
        await SendAsync(HttpMethod.Post, "/apis/apps/v1/namespaces/default/deployments", Deployment("podinfo", "podinfo:1"));
        await SendAsync(HttpMethod.Post, "/apis/flagger.app/v1beta1/namespaces/default/canaries", Canary(maxWeight: 90, stepWeight: 10));
        await using var cp = await StartAsync(ct);
        await WaitLeadingAsync(cp);
        await UntilAsync(() => Phase() == CanaryPhases.Initialized, "phase Initialized");
        await SendAsync(HttpMethod.Patch, "/apis/apps/v1/namespaces/default/deployments/podinfo", JsonNode.Parse("""{"spec": {"template": {"spec": {"containers": [{"name": "podinfo", "image": "podinfo:2", "ports": [{"containerPort": 9898}]}]}}}}""")!, "application/merge-patch+json");
        await UntilAsync(() => Status()?["canaryWeight"]?.GetValue<int>() >= 10, "the first step");

        var (code, body) = await cp.SendAsync(HttpMethod.Post, "/api/v1/canaries/default/podinfo/promote", ct);

        Assert.True(code == System.Net.HttpStatusCode.Accepted, body.ToJsonString());
        await UntilAsync(() => Phase() == CanaryPhases.Succeeded, "phase Succeeded");
        Assert.Contains(Events(), e => e.StartsWith("Manual promotion of podinfo.default by ", StringComparison.Ordinal));
        Assert.DoesNotContain("Advance podinfo.default canary weight 90", Events());
        Assert.Equal("podinfo:2", Image("podinfo-primary"));
    }

    [Fact]
    public async Task Webhooks_EveryType_CalledOnACluster_GateHoldsThenOpens_PreRolloutFailureIsAFailedCheck_Promoted()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var hooks = await HookReceiver.StartAsync(ct);
        var list = string.Join(", ", new[] { ("confirm-rollout", "gate"), ("pre-rollout", "smoke"), ("rollout", "check"), ("confirm-traffic-increase", "traffic"), ("confirm-promotion", "promote"), ("post-rollout", "post"), ("rollback", "undo"), ("event", "event") }
            .Select(h => $$"""{ "type": "{{h.Item1}}", "name": "{{h.Item2}}", "url": "{{hooks.Url(h.Item2)}}", "timeout": "5s", "metadata": { "cmd": "hey http://podinfo-canary.default:9898/" } }"""));
        hooks.Answer("gate", 403);
        hooks.Answer("undo", 403);
        hooks.Queue("smoke", 500);
        await using var cp = await InitializedAsync(Canary(maxWeight: 50, stepWeight: 50, $"\"webhooks\": [{list}],"), ct);
        await SendAsync(HttpMethod.Patch, "/apis/apps/v1/namespaces/default/deployments/podinfo", JsonNode.Parse("""{"spec": {"template": {"spec": {"containers": [{"name": "podinfo", "image": "podinfo:2", "ports": [{"containerPort": 9898}]}]}}}}""")!, "application/merge-patch+json");

        // Flagger's confirm-rollout gate, closed: the Canary waits on the cluster, its target not scaled up, the gate polled.
        await UntilAsync(() => Phase() == CanaryPhases.Waiting, "phase Waiting");
        var polls = hooks.Bodies("gate").Count;
        await UntilAsync(() => hooks.Bodies("gate").Count >= polls + 2, "two more polls of the gate");
        Assert.Equal(CanaryPhases.Waiting, Phase());
        Assert.Equal(0, Replicas("podinfo"));
        Assert.Equal((100, 0), Weights());
        Assert.Equal(("podinfo", "default", "Waiting"), ((string?)hooks.Bodies("gate")[^1]["name"], (string?)hooks.Bodies("gate")[^1]["namespace"], (string?)hooks.Bodies("gate")[^1]["phase"]));

        // Opened: the first pre-rollout call fails (a failed check on the cluster's status), the next passes, then promoted.
        hooks.Answer("gate", 200);
        var failedChecks = new HashSet<int>();
        await UntilAsync(() => failedChecks.Add(Status()?["failedChecks"]?.GetValue<int>() ?? 0) is var _ && Phase() == CanaryPhases.Succeeded, "phase Succeeded");

        Assert.Contains(1, failedChecks);
        Assert.Contains(Events(), e => e.StartsWith("Halt podinfo.default advancement pre-rollout check smoke failed", StringComparison.Ordinal));
        Assert.Equal("podinfo:2", Image("podinfo-primary"));
        Assert.Equal(["gate", "undo", "smoke", "traffic", "check", "promote", "post"], hooks.Received.Select(r => r.Path).Where(p => p != "event").Distinct());
        var pre = hooks.Bodies("smoke")[^1];
        Assert.Equal(("podinfo", "default", "Progressing", "hey http://podinfo-canary.default:9898/"), ((string?)pre["name"], (string?)pre["namespace"], (string?)pre["phase"], (string?)pre["metadata"]!["cmd"]));
        Assert.Equal("Succeeded", (string?)Assert.Single(hooks.Bodies("post"))["phase"]);

        // Event hooks: the events the leader wrote to the cluster, each as it was written.
        await UntilAsync(() => hooks.Bodies("event").Any(b => (string?)b["metadata"]!["eventMessage"] == "Promotion completed! Scaling down podinfo.default"), "the last event posted");
        var posted = hooks.Bodies("event").Select(b => (string?)b["metadata"]!["eventMessage"]).ToList();
        Assert.Contains("Advance podinfo.default canary weight 50", posted);
        Assert.Single(posted, m => m == "Advance podinfo.default canary weight 50");
    }

    [Fact]
    public async Task Alerts_InlineAddressAndNotificationsFileSecretRef_SlackPayloadsSentOnACluster()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var chat = await HookReceiver.StartAsync(ct);
        var notifications = new NotificationConfig([new NotificationTarget("on-call-slack", NotificationService.Slack, chat.Url("secret-slack"))]);
        await SendAsync(HttpMethod.Post, "/apis/flagger.app/v1beta1/namespaces/default/alertproviders", JsonNode.Parse($$"""
            { "apiVersion": "flagger.app/v1beta1", "kind": "AlertProvider", "metadata": { "name": "slack", "namespace": "default" },
              "spec": { "type": "slack", "channel": "#deploys", "username": "linnet", "address": "{{chat.Url("slack")}}" } }
            """)!);
        await SendAsync(HttpMethod.Post, "/apis/flagger.app/v1beta1/namespaces/default/alertproviders", JsonNode.Parse("""
            { "apiVersion": "flagger.app/v1beta1", "kind": "AlertProvider", "metadata": { "name": "on-call", "namespace": "default" },
              "spec": { "type": "slack", "secretRef": { "name": "on-call-slack" } } }
            """)!);
        await SendAsync(HttpMethod.Post, "/apis/apps/v1/namespaces/default/deployments", Deployment("podinfo", "podinfo:1"));
        await using var cp = await StartAsync(ct, notifications: notifications);
        await WaitLeadingAsync(cp);
        await UntilAsync(() => cp.Store.Snapshot().OfKind<AlertProviderResource>().Count() == 2, "the AlertProviders mirrored");
        await SendAsync(HttpMethod.Post, "/apis/flagger.app/v1beta1/namespaces/default/canaries", Canary(maxWeight: 50, stepWeight: 50, """
            "alerts": [{ "name": "slack", "severity": "info", "providerRef": { "name": "slack" } }, { "name": "on-call", "severity": "info", "providerRef": { "name": "on-call", "namespace": "default" } }],
            """));
        await UntilAsync(() => Phase() == CanaryPhases.Initialized, "phase Initialized");
        await SendAsync(HttpMethod.Patch, "/apis/apps/v1/namespaces/default/deployments/podinfo", JsonNode.Parse("""{"spec": {"template": {"spec": {"containers": [{"name": "podinfo", "image": "podinfo:2", "ports": [{"containerPort": 9898}]}]}}}}""")!, "application/merge-patch+json");
        await UntilAsync(() => Phase() == CanaryPhases.Succeeded, "phase Succeeded");

        // Flagger's Slack message: the Canary as the title, the alert as the text, to the provider's channel as its username.
        const string Done = "Canary analysis completed successfully, promotion finished.";
        await UntilAsync(() => Texts(chat, "slack").Contains(Done) && Texts(chat, "secret-slack").Contains(Done), "the promotion alert at both providers");
        var slack = chat.Bodies("slack").Last(b => (string?)b["attachments"]![0]!["text"] == Done);
        Assert.Equal(("#deploys", "linnet", "podinfo.default"), ((string?)slack["channel"], (string?)slack["username"], (string?)slack["attachments"]![0]!["title"]));
        Assert.Single(Texts(chat, "slack"), t => t == Done);
    }

    [Fact]
    public async Task BlueGreen_IterationsWithoutTraffic_AllTrafficToTheCanaryWhileThePrimaryTakesItsTemplate_ThenBack()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await InitializedAsync(Canary("\"iterations\": 3,"), ct);
        var patches = RoutePatches();
        var services = ServiceWrites();
        await SendAsync(HttpMethod.Patch, "/apis/apps/v1/namespaces/default/deployments/podinfo", JsonNode.Parse("""{"spec": {"template": {"spec": {"containers": [{"name": "podinfo", "image": "podinfo:2", "ports": [{"containerPort": 9898}]}]}}}}""")!, "application/merge-patch+json");

        // Flagger's blue/green: the canary is analysed at no weight for the iterations, then takes all traffic while the
        // primary is given its template, then the primary takes it back.
        var seen = new HashSet<(int Primary, int Canary, int Iterations)>();
        await UntilAsync(() => Weights() is var (primary, canary) && seen.Add((primary, canary, Status()?["iterations"]?.GetValue<int>() ?? 0)) is var _ && Phase() == CanaryPhases.Succeeded, "phase Succeeded");

        Assert.Contains(seen, s => s == (100, 0, 3));
        Assert.Contains(seen, s => s is (0, 100, _));
        Assert.DoesNotContain(seen, s => s.Primary is > 0 and < 100);
        for (var i = 1; i <= 3; i++)
        {
            Assert.Single(Events(), e => e == $"Advance podinfo.default canary iteration {i}/3");
        }

        Assert.Contains("Routing all traffic to canary", Events());
        Assert.Equal("podinfo:2", Image("podinfo-primary"));
        Assert.Equal(0, Replicas("podinfo"));
        Assert.Equal((100, 0), Weights());

        // The route written twice (all to the canary, back to the primary), not at each iteration: what the writer wrote
        // reads back from the cluster as the same route.
        Assert.Equal(patches + 2, RoutePatches());
        Assert.Equal(services, ServiceWrites());
    }

    [Fact]
    public async Task ABTesting_MatchingRequestsToTheCanary_MatchSurvivesTheClusterRoundTrip_Promoted()
    {
        var ct = TestContext.Current.CancellationToken;
        await SendAsync(HttpMethod.Post, "/apis/apps/v1/namespaces/default/deployments", Deployment("podinfo", "podinfo:1"));
        await using var cp = await StartAsync(ct);
        await WaitLeadingAsync(cp);
        await SendAsync(HttpMethod.Post, "/apis/flagger.app/v1beta1/namespaces/default/canaries", Canary("""
            "iterations": 3, "match": [{ "headers": { "x-canary": { "exact": "insider" } } }, { "headers": { "cookie": { "regex": "^(.*?;)?(canary=always)(;.*)?$" } } }],
            """));
        await UntilAsync(() => Phase() == CanaryPhases.Initialized, "phase Initialized");
        var patches = RoutePatches();
        await SendAsync(HttpMethod.Patch, "/apis/apps/v1/namespaces/default/deployments/podinfo", JsonNode.Parse("""{"spec": {"template": {"spec": {"containers": [{"name": "podinfo", "image": "podinfo:2", "ports": [{"containerPort": 9898}]}]}}}}""")!, "application/merge-patch+json");

        // Flagger's A/B route: a rule per match sending matching requests to the canary alone, then everything else to the primary.
        await UntilAsync(() => Status()?["iterations"]?.GetValue<int>() >= 1, "the first iteration");
        var rules = _server.Get(HttpRoutes, Ns, "podinfo")!["spec"]!["rules"]!.AsArray();
        Assert.Equal(2, rules.Count);
        var matches = rules[0]!["matches"]!.AsArray();
        Assert.Equal(2, matches.Count);
        var insider = matches[0]!["headers"]![0]!;
        Assert.Equal(("x-canary", "insider", "Exact"), ((string?)insider["name"], (string?)insider["value"], (string?)insider["type"] ?? "Exact"));
        var cookie = matches[1]!["headers"]![0]!;
        Assert.Equal(("cookie", "^(.*?;)?(canary=always)(;.*)?$", "RegularExpression"), ((string?)cookie["name"], (string?)cookie["value"], (string?)cookie["type"]));
        Assert.Equal([("podinfo-primary", 0), ("podinfo-canary", 100)], Backends(rules[0]!));
        Assert.Null(rules[1]!["matches"]?.AsArray().FirstOrDefault(m => m?["headers"] is not null));
        Assert.Equal([("podinfo-primary", 100), ("podinfo-canary", 0)], Backends(rules[1]!));

        await UntilAsync(() => Phase() == CanaryPhases.Succeeded, "phase Succeeded");

        Assert.Single(Events(), e => e == "Advance podinfo.default canary iteration 3/3");
        Assert.Equal("podinfo:2", Image("podinfo-primary"));
        Assert.Equal(0, Replicas("podinfo"));
        Assert.Single(_server.Get(HttpRoutes, Ns, "podinfo")!["spec"]!["rules"]!.AsArray());
        Assert.Equal((100, 0), Weights());

        // Written three times (the A/B rules, all to the canary, back to the primary), not at each iteration.
        Assert.Equal(patches + 3, RoutePatches());
    }

    [Fact]
    public async Task TemplateRef_PrometheusQueriedAtTheInlineAddressForTheTarget_Promoted()
    {
        var ct = TestContext.Current.CancellationToken;

        // Prometheus' query API on loopback: every query recorded, answered with one sample of 2 (errors per second).
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        await using var prometheus = builder.Build();
        var queries = new System.Collections.Concurrent.ConcurrentQueue<string>();
        prometheus.MapGet("/api/v1/query", (HttpContext context) =>
        {
            queries.Enqueue(context.Request.Query["query"].ToString());
            return Results.Text("""{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"2"]}]}}""", "application/json");
        });
        await prometheus.StartAsync(ct);
        var port = new Uri(prometheus.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port;
        await SendAsync(HttpMethod.Post, "/apis/flagger.app/v1beta1/namespaces/default/metrictemplates", JsonNode.Parse($$$"""
            { "apiVersion": "flagger.app/v1beta1", "kind": "MetricTemplate", "metadata": { "name": "error-rate", "namespace": "default" },
              "spec": { "provider": { "type": "prometheus", "address": "http://127.0.0.1:{{{port}}}" },
                        "query": "sum(rate(http_errors_total{namespace=\"{{ namespace }}\",deployment=\"{{ target }}\"}[{{ interval }}]))" } }
            """)!);
        await SendAsync(HttpMethod.Post, "/apis/apps/v1/namespaces/default/deployments", Deployment("podinfo", "podinfo:1"));
        await using var cp = await StartAsync(ct);
        await WaitLeadingAsync(cp);
        await UntilAsync(() => cp.Store.Snapshot().OfKind<MetricTemplateResource>().Any(), "the MetricTemplate mirrored");
        var canary = Canary(maxWeight: 50, stepWeight: 50);
        canary["spec"]!["analysis"]!["metrics"]!.AsArray().Add(JsonNode.Parse("""{ "name": "errors", "templateRef": { "name": "error-rate" }, "thresholdRange": { "max": 5 }, "interval": "30s" }"""));
        await SendAsync(HttpMethod.Post, "/apis/flagger.app/v1beta1/namespaces/default/canaries", canary);
        await UntilAsync(() => Phase() == CanaryPhases.Initialized, "phase Initialized");
        await SendAsync(HttpMethod.Patch, "/apis/apps/v1/namespaces/default/deployments/podinfo", JsonNode.Parse("""{"spec": {"template": {"spec": {"containers": [{"name": "podinfo", "image": "podinfo:2", "ports": [{"containerPort": 9898}]}]}}}}""")!, "application/merge-patch+json");

        await UntilAsync(() => Phase() == CanaryPhases.Succeeded, "phase Succeeded");

        // Flagger's template variables: the Canary's namespace, its target Deployment, the metric's interval.
        Assert.True(queries.Contains("""sum(rate(http_errors_total{namespace="default",deployment="podinfo"}[30s]))"""), string.Join('\n', queries.Distinct()));
        Assert.Equal("podinfo:2", Image("podinfo-primary"));
    }

    [Fact]
    public async Task ServiceRouteSettings_OnTheHTTPRouteWrittenToTheCluster()
    {
        var ct = TestContext.Current.CancellationToken;
        await SendAsync(HttpMethod.Post, "/apis/apps/v1/namespaces/default/deployments", Deployment("podinfo", "podinfo:1"));
        await using var cp = await StartAsync(ct);
        await WaitLeadingAsync(cp);
        await SendAsync(HttpMethod.Post, "/apis/flagger.app/v1beta1/namespaces/default/canaries", Canary("\"maxWeight\": 50, \"stepWeight\": 50,", """
            "timeout": "10s", "backendTimeout": "4s",
            "match": [{ "uri": { "prefix": "/api" }, "headers": { "x-env": { "exact": "prod" } } }],
            "headers": { "request": { "set": { "x-b": "2", "x-a": "1" }, "remove": ["x-drop"] }, "response": { "add": { "x-canary-run": "yes" } } },
            "rewrite": { "authority": "podinfo.internal" },
            "retries": { "attempts": 3, "perTryTimeout": "2s", "retryOn": "gateway-error,503" },
            "mirror": [{ "backendRef": { "name": "podinfo-shadow", "port": 9898 } }],
            """));
        await UntilAsync(() => Phase() == CanaryPhases.Initialized, "phase Initialized");
        await SendAsync(HttpMethod.Patch, "/apis/apps/v1/namespaces/default/deployments/podinfo", JsonNode.Parse("""{"spec": {"template": {"spec": {"containers": [{"name": "podinfo", "image": "podinfo:2", "ports": [{"containerPort": 9898}]}]}}}}""")!, "application/merge-patch+json");
        await UntilAsync(() => Weights() == (50, 50), "the canary at 50 %");

        // Flagger's gatewayapi router: the service's matches, filters and timeouts on the rule (Gateway API's shapes).
        var rule = _server.Get(HttpRoutes, Ns, "podinfo")!["spec"]!["rules"]!.AsArray().Single()!;
        Assert.Equal(("10s", "2s"), ((string?)rule["timeouts"]!["request"], (string?)rule["timeouts"]!["backendRequest"]));
        var match = rule["matches"]!.AsArray().Single()!;
        Assert.Equal(("PathPrefix", "/api"), ((string?)match["path"]!["type"], (string?)match["path"]!["value"]));
        Assert.Equal(("x-env", "prod"), ((string?)match["headers"]![0]!["name"], (string?)match["headers"]![0]!["value"]));
        var filters = rule["filters"]!.AsArray().ToDictionary(f => (string)f!["type"]!, f => f!);
        var request = filters["RequestHeaderModifier"]["requestHeaderModifier"]!;
        Assert.Equal([("x-a", "1"), ("x-b", "2")], request["set"]!.AsArray().Select(h => ((string?)h!["name"], (string?)h["value"])));
        Assert.Equal(["x-drop"], request["remove"]!.AsArray().Select(h => (string?)h));
        Assert.Equal(("x-canary-run", "yes"), ((string?)filters["ResponseHeaderModifier"]["responseHeaderModifier"]!["add"]![0]!["name"], (string?)filters["ResponseHeaderModifier"]["responseHeaderModifier"]!["add"]![0]!["value"]));
        Assert.Equal("podinfo.internal", (string?)filters["URLRewrite"]["urlRewrite"]!["hostname"]);
        Assert.Equal(("podinfo-shadow", 9898), ((string?)filters["RequestMirror"]["requestMirror"]!["backendRef"]!["name"], (int?)filters["RequestMirror"]["requestMirror"]!["backendRef"]!["port"]));
        Assert.Equal(3, (int?)filters["LinnetRetry"]["retry"]!["limit"]);
        Assert.Equal([("podinfo-primary", 50), ("podinfo-canary", 50)], Backends(rule));

        // What the cluster holds reads back as what was written: the route is not rewritten at every step.
        var patches = RoutePatches();
        await UntilAsync(() => Phase() == CanaryPhases.Succeeded, "phase Succeeded");
        Assert.Equal(patches + 1, RoutePatches());
    }

    [Fact]
    public async Task AnalysisMirror_BlueGreenIterationsMirrorToTheCanaryOnTheClustersRoute_NotOnceDone()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await InitializedAsync(Canary("\"iterations\": 2, \"mirror\": true, \"mirrorWeight\": 40,"), ct);
        await SendAsync(HttpMethod.Patch, "/apis/apps/v1/namespaces/default/deployments/podinfo", JsonNode.Parse("""{"spec": {"template": {"spec": {"containers": [{"name": "podinfo", "image": "podinfo:2", "ports": [{"containerPort": 9898}]}]}}}}""")!, "application/merge-patch+json");

        // Flagger's mirroring: during the iterations the primary answers every request and mirrorWeight % are copied to the canary.
        await UntilAsync(() => Status()?["iterations"]?.GetValue<int>() >= 1, "the first iteration");
        var rule = _server.Get(HttpRoutes, Ns, "podinfo")!["spec"]!["rules"]!.AsArray().Single()!;
        var mirror = rule["filters"]!.AsArray().Single(f => (string?)f!["type"] == "RequestMirror")!["requestMirror"]!;
        Assert.Equal(("podinfo-canary", 9898, 40), ((string?)mirror["backendRef"]!["name"], (int?)mirror["backendRef"]!["port"], (int?)mirror["percent"]));
        Assert.Equal([("podinfo-primary", 100), ("podinfo-canary", 0)], Backends(rule));

        await UntilAsync(() => Phase() == CanaryPhases.Succeeded, "phase Succeeded");

        var done = _server.Get(HttpRoutes, Ns, "podinfo")!["spec"]!["rules"]!.AsArray().Single()!;
        Assert.DoesNotContain((done["filters"] as JsonArray ?? []), f => (string?)f!["type"] == "RequestMirror");
        Assert.Equal("podinfo:2", Image("podinfo-primary"));
    }

    [Fact]
    public async Task SessionAffinity_CookieFromTheClusterStatus_RoutedToTheCanaryAndSetOnItsResponses_ExpiredOnceDone()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await InitializedAsync(Canary(maxWeight: 50, stepWeight: 50, """ "sessionAffinity": { "cookieName": "flagger-cookie", "maxAge": 21600 }, """), ct);
        await SendAsync(HttpMethod.Patch, "/apis/apps/v1/namespaces/default/deployments/podinfo", JsonNode.Parse("""{"spec": {"template": {"spec": {"containers": [{"name": "podinfo", "image": "podinfo:2", "ports": [{"containerPort": 9898}]}]}}}}""")!, "application/merge-patch+json");
        await UntilAsync(() => Status()?["canaryWeight"]?.GetValue<int>() == 50, "the canary at 50 %");

        // Flagger's gatewayapi session affinity: requests carrying the cookie (kept in the Canary's status on the cluster) go
        // to the canary alone; the weighted rule's canary backend sets it on its responses for maxAge seconds.
        var cookie = Status()!["sessionAffinityCookie"]!.GetValue<string>();
        Assert.StartsWith("flagger-cookie=", cookie, StringComparison.Ordinal);
        var rules = _server.Get(HttpRoutes, Ns, "podinfo")!["spec"]!["rules"]!.AsArray();
        Assert.Equal(2, rules.Count);
        var header = rules[0]!["matches"]![0]!["headers"]![0]!;
        Assert.Equal(("Cookie", "RegularExpression"), ((string?)header["name"], (string?)header["type"]));
        var regex = new System.Text.RegularExpressions.Regex($"^(?:{(string)header["value"]!})$");
        Assert.Matches(regex, $"theme=dark; {cookie}");
        Assert.DoesNotMatch(regex, "theme=dark; flagger-cookie=other");
        Assert.Equal([("podinfo-primary", 0), ("podinfo-canary", 100)], Backends(rules[0]!));
        var canaryBackend = rules[1]!["backendRefs"]!.AsArray().Single(b => (string?)b!["name"] == "podinfo-canary")!;
        var set = canaryBackend["filters"]!.AsArray().Single(f => (string?)f!["type"] == "ResponseHeaderModifier")!["responseHeaderModifier"]!["add"]![0]!;
        Assert.Equal("Set-Cookie", (string?)set["name"]);
        Assert.StartsWith($"{cookie}; Max-Age=21600", (string?)set["value"], StringComparison.Ordinal);

        // Once promoted, a request still carrying the cookie is answered with it expired.
        await UntilAsync(() => Phase() == CanaryPhases.Succeeded, "phase Succeeded");
        var expiring = _server.Get(HttpRoutes, Ns, "podinfo")!["spec"]!["rules"]![0]!;
        var expired = expiring["filters"]!.AsArray().Single(f => (string?)f!["type"] == "ResponseHeaderModifier")!["responseHeaderModifier"]!["add"]![0]!;
        Assert.Equal(("Set-Cookie", $"{cookie}; Max-Age=-1"), ((string?)expired["name"], (string?)expired["value"]));
        Assert.Equal("podinfo:2", Image("podinfo-primary"));
    }

    [Fact]
    public async Task SequentialJudge_ItsStateKeptInTheClusterStatus_HarmfulCanaryRolledBackAtALook()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await InitializedAsync(Canary(maxWeight: 50, stepWeight: 10, """ "judge": "sequential", """), ct);

        // Half the canary's requests fail, none of the primary's: the judge shows the canary worse and rolls it back.
        _metrics.CanaryFailures = new SuccessRate.Box(500);
        await SendAsync(HttpMethod.Patch, "/apis/apps/v1/namespaces/default/deployments/podinfo", JsonNode.Parse("""{"spec": {"template": {"spec": {"containers": [{"name": "podinfo", "image": "podinfo:bad", "ports": [{"containerPort": 9898}]}]}}}}""")!, "application/merge-patch+json");
        var judged = false;
        await UntilAsync(() => (judged |= Status()?["judge"] is JsonObject) && Phase() == CanaryPhases.Failed, "phase Failed");

        Assert.True(judged, "the judge's state was never on the cluster's status");
        Assert.Contains(Events(), e => e.StartsWith("podinfo.default rolled back: canary failure rate", StringComparison.Ordinal));
        Assert.DoesNotContain("Advance podinfo.default canary weight 50", Events());
        Assert.Equal((100, 0), Weights());
        Assert.Equal("podinfo:1", Image("podinfo-primary"));
        Assert.Equal(0, Replicas("podinfo"));
    }

    [Fact]
    public async Task SequentialJudge_FirstLook_PlacesTheLatencyBoundFromThePrimarysTrafficBeforeTheAnalysis()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await InitializedAsync(Canary(maxWeight: 50, stepWeight: 10, """ "judge": "sequential", """), ct);

        // Each look's windows answer fast (the first bucket); over the metrics' retention the primary answered in
        // 200–300 ms. The bound is the 300 ms bucket's, so it came from the primary's longer history.
        _metrics.CanaryFailures = new SuccessRate.Box(0);
        await SendAsync(HttpMethod.Patch, "/apis/apps/v1/namespaces/default/deployments/podinfo", JsonNode.Parse("""{"spec": {"template": {"spec": {"containers": [{"name": "podinfo", "image": "podinfo:2", "ports": [{"containerPort": 9898}]}]}}}}""")!, "application/merge-patch+json");
        await UntilAsync(() => Status()?["judge"]?["latency"] is JsonObject, "latency judged");

        Assert.Equal(300, (double?)Status()!["judge"]!["latency"]!["boundMs"]);
        // Placed at the first look: the counts it was placed at are that look's (1,000 primary requests), not the history's.
        Assert.Equal(1000, (long?)Status()!["judge"]!["state"]!["latencyOrigin"]!["primary"]!["requests"]);
    }

    // Flagger's revertOnDeletion (pkg/controller/finalizer.go): the Canary carries finalizer.flagger.app; deleting it mid
    // release marks it (the API server keeps it) and the controller gives the target its traffic back (scaled to the
    // primary's replicas, the apex Service selecting it, the weighted route gone), then removes the finalizer: the Canary goes.
    [Fact]
    public async Task RevertOnDeletion_FinalizerAdded_DeletedMidRelease_TargetScaledUpAndGivenTheApex_ThenTheCanaryGone()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await InitializedAsync(Reverting(Canary(maxWeight: 50, stepWeight: 10)), ct);
        Assert.Equal(["finalizer.flagger.app"], Finalizers());

        await SendAsync(HttpMethod.Patch, "/apis/apps/v1/namespaces/default/deployments/podinfo", JsonNode.Parse("""{"spec": {"template": {"spec": {"containers": [{"name": "podinfo", "image": "podinfo:2", "ports": [{"containerPort": 9898}]}]}}}}""")!, "application/merge-patch+json");
        await UntilAsync(() => Weights().Canary > 0, "the canary given traffic");
        var deleted = await SendAsync(HttpMethod.Delete, "/apis/flagger.app/v1beta1/namespaces/default/canaries/podinfo");
        Assert.NotNull(deleted["metadata"]!["deletionTimestamp"]);
        var phases = new List<string?>();
        await UntilAsync(
            () =>
            {
                phases.Add(Phase());
                return _server.Get(Canaries, Ns, "podinfo") is null;
            },
            "the Canary deleted");

        Assert.Contains(CanaryPhases.Terminated, phases);
        Assert.Equal(2, Replicas("podinfo")); // the primary's replicas
        Assert.Equal("podinfo", Selector("podinfo"));
        Assert.Null(_server.Get(HttpRoutes, Ns, "podinfo"));
        // The apex is the target's now: no longer owned by the Canary, so the garbage collector leaves it.
        Assert.Null(_server.Get(Services, Ns, "podinfo")!["metadata"]!["ownerReferences"]);
        Assert.Equal("podinfo:2", Image("podinfo"));
    }

    [Fact]
    public async Task RevertOnDeletion_DeletedAfterAPromotion_TargetScaledFromZeroAndGivenTheApex_ThenTheCanaryGone()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await InitializedAsync(Reverting(Canary(maxWeight: 50, stepWeight: 50)), ct);
        await SendAsync(HttpMethod.Patch, "/apis/apps/v1/namespaces/default/deployments/podinfo", JsonNode.Parse("""{"spec": {"template": {"spec": {"containers": [{"name": "podinfo", "image": "podinfo:2", "ports": [{"containerPort": 9898}]}]}}}}""")!, "application/merge-patch+json");
        await UntilAsync(() => Phase() == CanaryPhases.Succeeded, "phase Succeeded");
        Assert.Equal(0, Replicas("podinfo"));
        Assert.Equal("podinfo-primary", Selector("podinfo"));

        await SendAsync(HttpMethod.Delete, "/apis/flagger.app/v1beta1/namespaces/default/canaries/podinfo");
        await UntilAsync(() => _server.Get(Canaries, Ns, "podinfo") is null, "the Canary deleted");

        Assert.Equal(2, Replicas("podinfo"));
        Assert.Equal("podinfo", Selector("podinfo"));
        Assert.Null(_server.Get(HttpRoutes, Ns, "podinfo"));
    }

    // Without revertOnDeletion (Flagger's default) the Canary has no finalizer and goes at once, the target left as it is;
    // turning revertOnDeletion off removes the finalizer (Flagger: "opting out, deleting finalizers").
    [Fact]
    public async Task WithoutRevertOnDeletion_NoFinalizer_DeletedAtOnce_OptingOutRemovesIt()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await InitializedAsync(Reverting(Canary(maxWeight: 50, stepWeight: 10)), ct);
        Assert.Equal(["finalizer.flagger.app"], Finalizers());

        await SendAsync(HttpMethod.Patch, "/apis/flagger.app/v1beta1/namespaces/default/canaries/podinfo", JsonNode.Parse("""{"spec": {"revertOnDeletion": false}}""")!, "application/merge-patch+json");
        await UntilAsync(() => Finalizers().Count == 0, "the finalizer removed");
        var deleted = await SendAsync(HttpMethod.Delete, "/apis/flagger.app/v1beta1/namespaces/default/canaries/podinfo");

        Assert.Null(deleted["metadata"]!["deletionTimestamp"]);
        Assert.Null(_server.Get(Canaries, Ns, "podinfo"));
        Assert.Equal(0, Replicas("podinfo"));
        Assert.Equal("podinfo-primary", Selector("podinfo"));
    }

    [Fact]
    public async Task WithoutRevertOnDeletion_NeverGivenTheFinalizer()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cp = await InitializedAsync(Canary(maxWeight: 50, stepWeight: 10), ct);

        Assert.Empty(Finalizers());
        var deleted = await SendAsync(HttpMethod.Delete, "/apis/flagger.app/v1beta1/namespaces/default/canaries/podinfo");
        Assert.Null(deleted["metadata"]!["deletionTimestamp"]);
        Assert.Null(_server.Get(Canaries, Ns, "podinfo"));
    }

    private static JsonNode Reverting(JsonNode canary)
    {
        canary["spec"]!["revertOnDeletion"] = true;
        return canary;
    }

    private List<string> Finalizers() =>
        [.. (_server.Get(Canaries, Ns, "podinfo")?["metadata"]?["finalizers"] as JsonArray ?? []).Select(f => f!.GetValue<string>())];

    private static List<(string?, int?)> Backends(JsonNode rule) =>
        [.. rule["backendRefs"]!.AsArray().Select(b => ((string?)b!["name"], (int?)b["weight"]))];

    // The Services the controller wrote (created or patched); a release changes none of them.
    private int ServiceWrites() =>
        _server.Requests.Count(r => r.Method is "PATCH" or "POST" or "PUT" && r.Path.StartsWith("/api/v1/namespaces/default/services", StringComparison.Ordinal) && r.StatusCode is 200 or 201);

    private int RoutePatches() =>
        _server.Requests.Count(r => r.Method == "PATCH" && r.Path == "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes/podinfo" && r.StatusCode == 200);

    private static List<string?> Texts(HookReceiver chat, string path) => [.. chat.Bodies(path).Select(b => (string?)b["attachments"]?[0]?["text"])];

    private static FakeResourceType Type(string kind, string group) =>
        WatchedType.All.Where(t => t.Kind == kind && t.Group == group).Select(t => new FakeResourceType(t.Group, t.Version, t.Plural, t.Kind, HasStatus: Core.Kinds.ResourceKinds.Find(t.Kind)!.HasStatus)).Single();

    // Every test's start: the target Deployment, a control plane holding the lease, the Canary, and its initialisation.
    private async Task<TestControlPlane> InitializedAsync(JsonNode canary, CancellationToken ct)
    {
        await SendAsync(HttpMethod.Post, "/apis/apps/v1/namespaces/default/deployments", Deployment("podinfo", "podinfo:1"));
        var cp = await StartAsync(ct);
        try
        {
            await WaitLeadingAsync(cp);
            await SendAsync(HttpMethod.Post, "/apis/flagger.app/v1beta1/namespaces/default/canaries", canary);
            await UntilAsync(() => Phase() == CanaryPhases.Initialized, "phase Initialized");
            return cp;
        }
        catch
        {
            await cp.DisposeAsync();
            throw;
        }
    }

    private async Task<TestControlPlane> StartAsync(CancellationToken ct, string identity = "replica-a", NotificationConfig? notifications = null)
    {
        var client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = _server.BaseUri.ToString(), AccessToken = _server.Token });
        var platform = new KubernetesPlatformOptions(new LeadershipOptions("linnet", "linnet-control-plane", identity)
        {
            LeaseDuration = TimeSpan.FromSeconds(3),
            RenewDeadline = TimeSpan.FromSeconds(2),
            RetryPeriod = TimeSpan.FromMilliseconds(200),
        });
        return await TestControlPlane.StartAsync(
            ct,
            services =>
            {
                services.AddSingleton<IMeshMetrics>(_metrics);
                services.AddLinnetKubernetesPlatform(client, platform);
            },
            options: new ControlPlaneOptions { Platform = ControlPlanePlatform.Kubernetes, Notifications = notifications ?? NotificationConfig.None });
    }

    private async Task WaitLeadingAsync(TestControlPlane cp)
    {
        var platform = cp.Host.Services.GetRequiredService<KubernetesPlatformService>();
        await UntilAsync(() => platform.Leadership.IsLeader && cp.Store.Snapshot().OfKind<DeploymentResource>().Any(), "the replica leading with the Deployments mirrored");
    }

    // Polls until the condition holds (a deadline of 60s), playing the cluster's controllers before each look.
    private async Task UntilAsync(Func<bool> condition, string what)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (true)
        {
            await RunPodsAsync();
            if (condition())
            {
                return;
            }

            try
            {
                await Task.Delay(50, timeout.Token); // polling a condition with a deadline
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"never saw {what}; the Canary's status is {Status()?.ToJsonString()}");
            }
        }
    }

    // The ReplicaSet controller and the kubelet: every Deployment runs spec.replicas ready pods of its current template
    // (owned by the ReplicaSet <deployment>-<template hash>, labelled and with containers as the template says); pods of
    // another template or beyond the count are deleted.
    private async Task RunPodsAsync()
    {
        var pods = (await GetAsync("/api/v1/namespaces/default/pods"))["items"]!.AsArray().OfType<JsonObject>().ToList();
        foreach (var deployment in (await GetAsync("/apis/apps/v1/namespaces/default/deployments"))["items"]!.AsArray().OfType<JsonObject>())
        {
            var name = deployment["metadata"]!["name"]!.GetValue<string>();
            var template = deployment["spec"]!["template"]!.AsObject();
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(template.ToJsonString())).AsSpan(0, 5));
            var replicaSet = $"{name}-{hash}";
            var replicas = deployment["spec"]!["replicas"]?.GetValue<int>() ?? 1;
            var mine = pods.Where(p => p["metadata"]!["ownerReferences"]?[0]?["name"]?.GetValue<string>() is { } owner && owner.StartsWith(name + "-", StringComparison.Ordinal) && owner.LastIndexOf('-') == name.Length).ToList();
            foreach (var pod in mine)
            {
                var podName = pod["metadata"]!["name"]!.GetValue<string>();
                var index = int.Parse(podName[(podName.LastIndexOf('-') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
                if (pod["metadata"]!["ownerReferences"]![0]!["name"]!.GetValue<string>() != replicaSet || index >= replicas)
                {
                    await SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/default/pods/{podName}");
                }
            }

            for (var i = 0; i < replicas; i++)
            {
                var podName = $"{replicaSet}-{i}";
                if (mine.Any(p => p["metadata"]!["name"]!.GetValue<string>() == podName))
                {
                    continue;
                }

                await SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/pods", new JsonObject
                {
                    ["apiVersion"] = "v1",
                    ["kind"] = "Pod",
                    ["metadata"] = new JsonObject
                    {
                        ["name"] = podName,
                        ["labels"] = template["metadata"]!["labels"]!.DeepClone(),
                        ["ownerReferences"] = new JsonArray(new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "ReplicaSet", ["name"] = replicaSet, ["controller"] = true, ["uid"] = replicaSet }),
                    },
                    ["spec"] = template["spec"]!.DeepClone(),
                });
                var address = Interlocked.Increment(ref _podAddress);
                await SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/default/pods/{podName}/status", new JsonObject
                {
                    ["status"] = new JsonObject
                    {
                        ["phase"] = "Running",
                        ["podIP"] = $"10.244.{address / 250}.{(address % 250) + 1}",
                        ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True" }),
                    },
                }, "application/merge-patch+json");
            }
        }
    }

    private string? Phase() => Status()?["phase"]?.GetValue<string>();

    private JsonNode? Status() => _server.Get(Canaries, Ns, "podinfo")?["status"];

    private List<string> Events() => (Status()?["events"] as JsonArray ?? []).Select(e => e!["message"]!.GetValue<string>()).ToList();

    private int? Replicas(string deployment) => _server.Get(Deployments, Ns, deployment)?["spec"]?["replicas"]?.GetValue<int>();

    private string? Image(string deployment) => _server.Get(Deployments, Ns, deployment)?["spec"]?["template"]?["spec"]?["containers"]?[0]?["image"]?.GetValue<string>();

    private string? Selector(string service) => _server.Get(Services, Ns, service)?["spec"]?["selector"]?["app"]?.GetValue<string>();

    private (int Primary, int Canary) Weights()
    {
        var backends = _server.Get(HttpRoutes, Ns, "podinfo")?["spec"]?["rules"]?[0]?["backendRefs"] as JsonArray ?? [];
        int Weight(string name) => backends.FirstOrDefault(b => b!["name"]!.GetValue<string>() == name)?["weight"]?.GetValue<int>() ?? -1;
        return (Weight("podinfo-primary"), Weight("podinfo-canary"));
    }

    private async Task<JsonObject> GetAsync(string path) => await SendAsync(HttpMethod.Get, path);

    private async Task<JsonObject> SendAsync(HttpMethod method, string path, JsonNode? body = null, string mediaType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, mediaType);
        }

        using var response = await _kube.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
        return (JsonObject)JsonNode.Parse(text)!;
    }

    private static JsonObject Deployment(string name, string image) => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "Deployment",
        ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["app"] = name }, ["annotations"] = new JsonObject { ["keel.sh/policy"] = "major" } },
        ["spec"] = new JsonObject
        {
            ["replicas"] = 2,
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                ["spec"] = new JsonObject
                {
                    ["containers"] = new JsonArray(new JsonObject { ["name"] = name, ["image"] = image, ["ports"] = new JsonArray(new JsonObject { ["containerPort"] = 9898 }) }),
                },
            },
        },
    };

    // extra: more fields of spec.analysis (JSON members, each followed by a comma).
    private static JsonNode Canary(int maxWeight, int stepWeight, string extra = "") =>
        Canary($$"""{{extra}} "maxWeight": {{maxWeight}}, "stepWeight": {{stepWeight}},""");

    // analysis: the strategy's fields of spec.analysis (JSON members, each followed by a comma); service: spec.service's.
    private static JsonNode Canary(string analysis, string service = "") => JsonNode.Parse($$"""
        {
          "apiVersion": "flagger.app/v1beta1",
          "kind": "Canary",
          "metadata": { "name": "podinfo", "namespace": "default" },
          "spec": {
            "targetRef": { "apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo" },
            "service": { {{service}} "port": 9898 },
            "analysis": {
              "interval": "1s",
              "threshold": 2,
              {{analysis}}
              "metrics": [{ "name": "request-success-rate", "thresholdRange": { "min": 99 }, "interval": "1m" }]
            }
          }
        }
        """)!;

    /// <summary>The mesh's metrics as the proxies would report them: every workload answers <see cref="Percent"/>% of 100
    /// requests with success over any window.</summary>
    private sealed class SuccessRate : IMeshMetrics
    {
        public volatile int Percent = 100;

        public Task<TrafficStats> InboundAsync(WorkloadRef workload, TimeSpan window, CancellationToken cancellationToken) =>
            Task.FromResult(new TrafficStats(100, Percent, window, 5, 8, 10));

        public Task<double?> InboundLatencyQuantileAsync(WorkloadRef workload, double quantile, TimeSpan window, CancellationToken cancellationToken) =>
            Task.FromResult<double?>(10);

        /// <summary>Failures of every 1000 requests the canary (the target) answers in any window, for the sequential
        /// judge's counts; null: no counts (the primary's are always 1000 requests, none failed, all fast).</summary>
        public volatile Box? CanaryFailures;

        public Task<SideCounts> InboundCountsAsync(WorkloadRef workload, TimeSpan window, CancellationToken cancellationToken)
        {
            if (CanaryFailures is not { } failures)
            {
                return Task.FromResult(SideCounts.Empty);
            }

            var buckets = new long[Linnet.Api.Telemetry.LatencyBuckets.Count];
            var primary = workload.Name.EndsWith("-primary", StringComparison.Ordinal);
            if (primary && window == new Linnet.ControlPlane.Metrics.MetricsOptions().Retention)
            {
                // The primary over the metrics' whole retention (its traffic before the analysis): 10,000 responses,
                // all between 200 and 300 ms, unlike any window of the analysis.
                buckets[Linnet.Api.Telemetry.LatencyBuckets.Milliseconds.ToList().IndexOf(300)] = 10000;
                return Task.FromResult(new SideCounts(10000, 0, buckets));
            }

            buckets[0] = 1000;
            return Task.FromResult(new SideCounts(1000, primary ? 0 : failures.Value, buckets));
        }

        public sealed record Box(int Value);

        public Task<IReadOnlyList<StatRow>> StatAsync(StatQuery query, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<StatRow>>([]);

        public Task<IReadOnlyList<EdgeRow>> EdgesAsync(string? ns, TimeSpan window, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<EdgeRow>>([]);

        public Task<IReadOnlyList<RouteRow>> RoutesAsync(string? ns, string? workload, TimeSpan window, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<RouteRow>>([]);
    }
}
