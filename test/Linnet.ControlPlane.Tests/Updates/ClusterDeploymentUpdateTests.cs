using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Tests.Infrastructure;
using Linnet.ControlPlane.Updates;
using Linnet.Platform.Kubernetes.Cluster;
using Linnet.Registry.Tests.Infrastructure;
using Linnet.Testing.Kubernetes;
using Microsoft.Extensions.DependencyInjection;

namespace Linnet.ControlPlane.Tests.Updates;

/// <summary>Keel's annotations on Kubernetes Deployments, end to end: a real control plane on the Kubernetes platform
/// against the fake API server, images pushed to a real registry (Debian's docker-registry) on loopback. The
/// Deployment's containers are patched on the API server by the replica holding the lease, exactly as Keel's
/// rules say (the policy, the trigger, <c>monitorContainers</c>, approvals), each pinned to the pushed digest.</summary>
public sealed class ClusterDeploymentUpdateTests : IAsyncLifetime
{
    private static readonly WebhookCredentials Credentials = new("registry", "hook-secret");
    private static readonly FakeResourceType Deployments = FakeResourceType.Deployments;

    private RegistryServer _registry = null!;
    private FakeApiServer _server = null!;
    private HttpClient _kube = null!;

    public async ValueTask InitializeAsync()
    {
        _registry = await RegistryServer.StartAsync();
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
        await _registry.DisposeAsync();
    }

    [Fact]
    public async Task Poll_MinorPolicy_PatchedToTheNewerMinorPinnedToItsDigest_NotToTheMajor()
    {
        var ct = TestContext.Current.CancellationToken;
        using var pusher = new RegistryPusher(_registry.BaseUri);
        await pusher.PushAsync("shop/web", "1.2.0", TestImage.Script("one-two"));
        await CreateAsync(Deployment("web", new() { ["keel.sh/policy"] = "minor", ["keel.sh/trigger"] = "poll", ["keel.sh/pollSchedule"] = "@every 1s" }, ("app", $"{_registry.Host}/shop/web:1.2.0")));
        await using var cp = await StartAsync(ct);
        await WaitLeadingAsync(cp);

        // A major first: the poll sees it and leaves the Deployment alone; then a minor, which it takes.
        await pusher.PushAsync("shop/web", "2.0.0", TestImage.Script("two"));
        var minor = TestImage.Script("one-three");
        await pusher.PushAsync("shop/web", "1.3.0", minor);

        await WaitForImageAsync("web", "app", $"{_registry.Host}/shop/web:1.3.0@{minor.Digest}");
        var written = _server.Get(Deployments, "default", "web")!;
        Assert.False(string.IsNullOrEmpty(written["spec"]!["template"]!["metadata"]!["annotations"]!["keel.sh/update-time"]!.GetValue<string>()));
        // One write, straight to the minor: the major, pushed first, was never written.
        Assert.Single(_server.Requests, r => r.Method == "PATCH" && r.StatusCode == 200 && r.Path == "/apis/apps/v1/namespaces/default/deployments/web");
    }

    [Fact]
    public async Task NativeWebhook_Push_PatchesTheDeploymentOnTheApiServer()
    {
        var ct = TestContext.Current.CancellationToken;
        using var pusher = new RegistryPusher(_registry.BaseUri);
        await CreateAsync(Deployment("api", new() { ["keel.sh/policy"] = "minor" }, ("app", $"{_registry.Host}/shop/api:1.2.0")));
        await using var cp = await StartAsync(ct);
        await WaitLeadingAsync(cp);
        var pushed = TestImage.Script("api-one-three");
        await pusher.PushAsync("shop/api", "1.3.0", pushed);

        using var response = await PostWebhookAsync(cp, $$"""{"name":"{{_registry.Host}}/shop/api","tag":"1.3.0","digest":"{{pushed.Digest}}"}""", ct);

        var text = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        var updated = Assert.Single(JsonNode.Parse(text)!["updated"]!.AsArray());
        Assert.Equal("Deployment", updated!["kind"]!.GetValue<string>());
        Assert.Equal("default/api", updated["workload"]!.GetValue<string>());
        Assert.Equal($"{_registry.Host}/shop/api:1.3.0@{pushed.Digest}", ImageOn("api", "app"));
    }

    [Fact]
    public async Task NativeWebhook_ReachesAReplicaNotLeading_503NothingWritten_TheLeaderTakesItAgain()
    {
        // Several replicas behind one Service: a webhook may reach one that does not hold the lease. It must not
        // answer 200 with nothing done (the push would be lost); 503 asks the sender to try again.
        var ct = TestContext.Current.CancellationToken;
        using var pusher = new RegistryPusher(_registry.BaseUri);
        await CreateAsync(Deployment("two", new() { ["keel.sh/policy"] = "minor" }, ("app", $"{_registry.Host}/shop/two:1.2.0")));
        await using var leader = await StartAsync(ct, "replica-a");
        await WaitLeadingAsync(leader);
        await using var follower = await StartAsync(ct, "replica-b");
        var followerPlatform = follower.Host.Services.GetRequiredService<KubernetesPlatformService>();
        await WaitAsync(() => follower.Store.Snapshot().OfKind<DeploymentResource>().Any(), "the Deployment mirrored by the second replica");
        Assert.False(followerPlatform.Leadership.IsLeader);
        var pushed = TestImage.Script("two-one-three");
        await pusher.PushAsync("shop/two", "1.3.0", pushed);
        var payload = $$"""{"name":"{{_registry.Host}}/shop/two","tag":"1.3.0","digest":"{{pushed.Digest}}"}""";

        using var refused = await PostWebhookAsync(follower, payload, ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Contains("leader lease", await refused.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Equal($"{_registry.Host}/shop/two:1.2.0", ImageOn("two", "app"));
        Assert.DoesNotContain(_server.Requests, r => r.Method == "PATCH" && r.Path == "/apis/apps/v1/namespaces/default/deployments/two");

        using var taken = await PostWebhookAsync(leader, payload, ct);

        Assert.Equal(HttpStatusCode.OK, taken.StatusCode);
        Assert.Equal($"{_registry.Host}/shop/two:1.3.0@{pushed.Digest}", ImageOn("two", "app"));
    }

    [Fact]
    public async Task MonitorContainers_OnlyMatchingContainersChange_OthersKeptAsTheyWere()
    {
        var ct = TestContext.Current.CancellationToken;
        using var pusher = new RegistryPusher(_registry.BaseUri);
        await CreateAsync(Deployment(
            "multi",
            new() { ["keel.sh/policy"] = "patch", ["keel.sh/monitorContainers"] = "^app$" },
            ("app", $"{_registry.Host}/shop/multi:1.0.0"),
            ("worker", $"{_registry.Host}/shop/multi:1.0.0"),
            ("cache", "redis:7.2.0")));
        await using var cp = await StartAsync(ct);
        await WaitLeadingAsync(cp);
        var pushed = TestImage.Script("multi-one-zero-one");
        await pusher.PushAsync("shop/multi", "1.0.1", pushed);

        using var response = await PostWebhookAsync(cp, $$"""{"name":"{{_registry.Host}}/shop/multi","tag":"1.0.1","digest":"{{pushed.Digest}}"}""", ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"{_registry.Host}/shop/multi:1.0.1@{pushed.Digest}", ImageOn("multi", "app"));
        Assert.Equal($"{_registry.Host}/shop/multi:1.0.0", ImageOn("multi", "worker"));
        Assert.Equal("redis:7.2.0", ImageOn("multi", "cache"));
        // The containers' other fields came through the patch untouched.
        var containers = _server.Get(Deployments, "default", "multi")!["spec"]!["template"]!["spec"]!["containers"]!.AsArray();
        Assert.Equal(["app", "worker", "cache"], containers.Select(c => c!["name"]!.GetValue<string>()));
        Assert.All(containers, c => Assert.Equal(8080, c!["ports"]![0]!["containerPort"]!.GetValue<int>()));
    }

    [Fact]
    public async Task Approvals_NotPatchedUntilApproved_ThenExactlyTheApprovedDigest()
    {
        var ct = TestContext.Current.CancellationToken;
        using var pusher = new RegistryPusher(_registry.BaseUri);
        await CreateAsync(Deployment("gated", new() { ["keel.sh/policy"] = "minor", ["keel.sh/approvals"] = "1" }, ("app", $"{_registry.Host}/shop/gated:1.2.0")));
        await using var cp = await StartAsync(ct);
        await WaitLeadingAsync(cp);
        var pushed = TestImage.Script("gated-one-three");
        await pusher.PushAsync("shop/gated", "1.3.0", pushed);

        using var response = await PostWebhookAsync(cp, $$"""{"name":"{{_registry.Host}}/shop/gated","tag":"1.3.0","digest":"{{pushed.Digest}}"}""", ct);

        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!;
        Assert.Empty(body["updated"]!.AsArray());
        var asked = Assert.Single(body["approvals"]!.AsArray())!;
        Assert.Equal("deployment/default/gated:1.3.0", asked["identifier"]!.GetValue<string>());
        Assert.Equal($"{_registry.Host}/shop/gated:1.2.0", ImageOn("gated", "app"));
        Assert.DoesNotContain(_server.Requests, r => r.Method == "PATCH" && r.Path.EndsWith("/deployments/gated", StringComparison.Ordinal));

        using var vote = new StringContent("""{"identifier":"deployment/default/gated:1.3.0","action":"approve"}""", Encoding.UTF8, "application/json");
        using var approved = await cp.Http.PostAsync("/v1/approvals", vote, ct);

        var answer = await approved.Content.ReadAsStringAsync(ct);
        Assert.True(approved.StatusCode == HttpStatusCode.OK, answer);
        Assert.Equal(ApprovalStates.Applied, JsonNode.Parse(answer)!["state"]!.GetValue<string>());
        Assert.Equal($"{_registry.Host}/shop/gated:1.3.0@{pushed.Digest}", ImageOn("gated", "app"));
    }

    [Fact]
    public async Task Approvals_KeptOnTheCluster_SurviveAControlPlaneRestart_ApprovedOnTheNextLeader()
    {
        var ct = TestContext.Current.CancellationToken;
        using var pusher = new RegistryPusher(_registry.BaseUri);
        await CreateAsync(Deployment("kept", new() { ["keel.sh/policy"] = "minor", ["keel.sh/approvals"] = "1" }, ("app", $"{_registry.Host}/shop/kept:1.2.0")));
        var approvals = Records("Approval");
        var pushed = TestImage.Script("kept-one-three");
        await pusher.PushAsync("shop/kept", "1.3.0", pushed);
        string id;
        await using (var first = await StartAsync(ct, "replica-a"))
        {
            await WaitLeadingAsync(first);
            using var response = await PostWebhookAsync(first, $$"""{"name":"{{_registry.Host}}/shop/kept","tag":"1.3.0","digest":"{{pushed.Digest}}"}""", ct);
            id = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!["approvals"]![0]!["id"]!.GetValue<string>();

            // The leader writes the pending approval to the cluster as the install's custom resource.
            await WaitAsync(() => _server.Get(approvals, "default", id)?["spec"]?["state"]?.GetValue<string>() == ApprovalStates.Pending, "the pending Approval on the API server");
        }

        Assert.Equal($"{_registry.Host}/shop/kept:1.2.0", ImageOn("kept", "app"));

        // A new control plane (its store empty, in memory) lists the approval back and takes the vote.
        await using var second = await StartAsync(ct, "replica-b");
        await WaitLeadingAsync(second);
        await WaitAsync(() => second.Store.Snapshot().OfKind<ApprovalResource>().Any(a => a.Metadata.Name == id), "the approval mirrored into the new control plane");
        using var vote = new StringContent($$"""{"id":"{{id}}","action":"approve"}""", Encoding.UTF8, "application/json");
        using var approved = await second.Http.PostAsync("/v1/approvals", vote, ct);

        var answer = await approved.Content.ReadAsStringAsync(ct);
        Assert.True(approved.StatusCode == HttpStatusCode.OK, answer);
        Assert.Equal($"{_registry.Host}/shop/kept:1.3.0@{pushed.Digest}", ImageOn("kept", "app"));
        await WaitAsync(() => _server.Get(approvals, "default", id)?["spec"]?["state"]?.GetValue<string>() == ApprovalStates.Applied, "the Approval recorded applied on the API server");
        Assert.Equal("admin", Assert.Single(_server.Get(approvals, "default", id)!["spec"]!["voters"]!.AsObject()).Key);
    }

    private static FakeResourceType Records(string kind) =>
        WatchedType.Records.Where(t => t.Kind == kind).Select(t => new FakeResourceType(t.Group, t.Version, t.Plural, t.Kind, HasStatus: Core.Kinds.ResourceKinds.Find(t.Kind)!.HasStatus)).Single();

    private async Task<TestControlPlane> StartAsync(CancellationToken ct, string identity = "replica-a")
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
            services => services.AddLinnetKubernetesPlatform(client, platform),
            options: new ControlPlaneOptions { Platform = ControlPlanePlatform.Kubernetes, WebhookCredentials = Credentials });
    }

    private static async Task WaitLeadingAsync(TestControlPlane cp)
    {
        var platform = cp.Host.Services.GetRequiredService<KubernetesPlatformService>();
        await WaitAsync(() => platform.Leadership.IsLeader && cp.Store.Snapshot().OfKind<DeploymentResource>().Any(), "the replica leading with the Deployments mirrored");
    }

    private static async Task WaitAsync(Func<bool> condition, string what)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (!condition())
        {
            try
            {
                await Task.Delay(50, timeout.Token); // polling a condition with a deadline
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"never saw {what}");
            }
        }
    }

    private Task WaitForImageAsync(string deployment, string container, string image) =>
        WaitAsync(() => ImageOn(deployment, container) == image, $"{deployment}/{container} running {image} on the API server (it runs {ImageOn(deployment, container)})");

    private string? ImageOn(string deployment, string container) =>
        (_server.Get(Deployments, "default", deployment)?["spec"]?["template"]?["spec"]?["containers"] as JsonArray ?? [])
            .OfType<JsonObject>().FirstOrDefault(c => c["name"]?.GetValue<string>() == container)?["image"]?.GetValue<string>();

    private async Task CreateAsync(JsonObject deployment)
    {
        using var content = new StringContent(deployment.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await _kube.PostAsync("/apis/apps/v1/namespaces/default/deployments", content, TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    private static async Task<HttpResponseMessage> PostWebhookAsync(TestControlPlane cp, string payload, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/webhooks/native") { Content = new StringContent(payload, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(Credentials.User + ":" + Credentials.Password)));
        return await cp.Anonymous.SendAsync(request, ct);
    }

    private static JsonObject Deployment(string name, Dictionary<string, string> annotations, params (string Name, string Image)[] containers) => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "Deployment",
        ["metadata"] = new JsonObject { ["name"] = name, ["annotations"] = new JsonObject(annotations.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value))) },
        ["spec"] = new JsonObject
        {
            ["replicas"] = 2,
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                ["spec"] = new JsonObject
                {
                    ["containers"] = new JsonArray(containers.Select(c => (JsonNode)new JsonObject
                    {
                        ["name"] = c.Name,
                        ["image"] = c.Image,
                        ["ports"] = new JsonArray(new JsonObject { ["containerPort"] = 8080 }),
                    }).ToArray()),
                },
            },
        },
    };
}
