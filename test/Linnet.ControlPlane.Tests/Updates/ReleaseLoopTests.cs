using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Notifications;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Rollouts;
using Linnet.ControlPlane.Core.Store;
using Linnet.ControlPlane.Security;
using Linnet.ControlPlane.Tests.Infrastructure;
using Linnet.ControlPlane.Updates;
using Linnet.Registry.Tests.Infrastructure;
using Linnet.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Linnet.ControlPlane.Tests.Updates;

/// <summary>The release loop on a real control plane fed by a real Docker distribution registry's notifications:
/// a pushed tag becomes the Canary target's image; when the Canary decides that image the verdict is recorded and
/// notified once; a rolled-back version is not tried again (not even when the workload is set back and the tag is
/// pushed again) until a newer one appears or <c>clear</c> forgets it. The Canary is suspended and its decision
/// written here as the Canary controller writes it (its analysis is tested in CanaryStateMachineTests), so that
/// this test decides the verdict.</summary>
public sealed class ReleaseLoopTests
{
    // Where a chat service\'s incoming webhook would be (a Slack-like path with its secret token).
    private const string ChatPath = "services/T000/B000/secret-token";

    private static readonly WebhookCredentials Hook = new("registry", "hook-secret");
    private static readonly string Basic = "Basic " + Convert.ToBase64String("registry:hook-secret"u8);

    [Fact]
    public async Task PushBad_RolledBackVerdict_NotifiedOnceNotRetriedUntilNewerOrCleared()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var keel = await HookReceiver.StartAsync(ct);
        await using var cp = await TestControlPlane.StartAsync(ct, options: new ControlPlaneOptions
        {
            WebhookCredentials = Hook,
            Notifications = new NotificationConfig([new NotificationTarget("keel", NotificationService.Webhook, keel.Url(ChatPath), NotificationLevel.Info)]),
        });
        await using var registry = await RegistryServer.StartWithNotificationsAsync(new Uri($"http://{cp.Host.HttpEndPoint}/v1/webhooks/registry"), Basic);
        using var pusher = new RegistryPusher(registry.BaseUri);
        await cp.ApplyOkAsync(WorkloadAndCanary($"{registry.Host}/shop/web:1.2.0"), ct);
        var bad = TestImage.Script("one-three-fails");

        // The push reaches the control plane through the registry's own notification.
        await pusher.PushAsync("shop/web", "1.3.0", bad);
        var target = await WaitForImageAsync(cp, $"{registry.Host}/shop/web:1.3.0@{bad.Digest}", ct);
        Assert.Equal("update resource", (await keel.NextAsync(ct)).Body["name"]!.GetValue<string>());

        // The Canary fails its analysis of that revision (as the Canary controller records it).
        await DecideAsync(cp, target, CanaryPhases.Failed, ct);
        var verdicts = cp.Host.Services.GetRequiredService<ReleaseVerdictController>();
        var told = (await keel.NextAsync(ct)).Body;
        Assert.Equal("release rolled back", told["name"]!.GetValue<string>());
        Assert.Equal("error", told["level"]!.GetValue<string>());
        Assert.Contains("request-success-rate 50.00 < 99", told["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, await verdicts.RecordAsync(ct));

        var listed = Assert.Single((await GetAsync(cp.Http, "/api/v1/image-updates", ct))["verdicts"]!.AsArray())!;
        Assert.Equal("rolledBack", listed["verdict"]!.GetValue<string>());
        Assert.Equal($"{registry.Host}/shop/web:1.3.0@{bad.Digest}", listed["image"]!.GetValue<string>());

        // Set back to 1.2.0 (as a GitOps re-apply would): the same version pushed again is not tried again.
        await cp.ApplyOkAsync(WorkloadAndCanary($"{registry.Host}/shop/web:1.2.0"), ct);
        using (var again = await NativeAsync(cp, registry.Host, "1.3.0", bad.Digest, ct))
        {
            Assert.Empty(JsonNode.Parse(await again.Content.ReadAsStringAsync(ct))!["updated"]!.AsArray());
        }

        Assert.Equal($"{registry.Host}/shop/web:1.2.0", ImageOf(cp));

        // Cleared: the version may be tried again.
        using (var cleared = await cp.Http.PostAsync("/api/v1/image-updates/default/web/clear", null, ct))
        {
            Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
            Assert.Equal($"{registry.Host}/shop/web:1.3.0@{bad.Digest}", JsonNode.Parse(await cleared.Content.ReadAsStringAsync(ct))!["cleared"]![0]!.GetValue<string>());
        }

        using (var retried = await NativeAsync(cp, registry.Host, "1.3.0", bad.Digest, ct))
        {
            Assert.Single(JsonNode.Parse(await retried.Content.ReadAsStringAsync(ct))!["updated"]!.AsArray());
        }
    }

    [Fact]
    public async Task PushGood_PromotedVerdict_NotifiedOnceWithTheChecks()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var keel = await HookReceiver.StartAsync(ct);
        await using var cp = await TestControlPlane.StartAsync(ct, options: new ControlPlaneOptions
        {
            WebhookCredentials = Hook,
            Notifications = new NotificationConfig([new NotificationTarget("keel", NotificationService.Webhook, keel.Url(ChatPath), NotificationLevel.Success)]),
        });
        await using var registry = await RegistryServer.StartWithNotificationsAsync(new Uri($"http://{cp.Host.HttpEndPoint}/v1/webhooks/registry"), Basic);
        using var pusher = new RegistryPusher(registry.BaseUri);
        await cp.ApplyOkAsync(WorkloadAndCanary($"{registry.Host}/shop/web:1.2.0"), ct);
        var good = TestImage.Script("one-three-works");

        await pusher.PushAsync("shop/web", "1.3.0", good);
        var target = await WaitForImageAsync(cp, $"{registry.Host}/shop/web:1.3.0@{good.Digest}", ct);
        Assert.Equal("update resource", (await keel.NextAsync(ct)).Body["name"]!.GetValue<string>());
        await DecideAsync(cp, target, CanaryPhases.Succeeded, ct);

        var told = (await keel.NextAsync(ct)).Body;
        Assert.Equal("release promoted", told["name"]!.GetValue<string>());
        Assert.Contains("request-success-rate: 100 within [99, -]", told["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, await cp.Host.Services.GetRequiredService<ReleaseVerdictController>().RecordAsync(ct));
    }

    [Theory]
    [InlineData(null, "/api/v1/image-updates/default/web/clear", HttpStatusCode.Unauthorized)]
    [InlineData("approver", "/api/v1/image-updates/default/web/clear", HttpStatusCode.Forbidden)]
    [InlineData("admin", "/api/v1/image-updates/default/nothing/clear", HttpStatusCode.NotFound)]
    [InlineData("admin", "/api/v1/image-updates/default/Not_A_Name/clear", HttpStatusCode.BadRequest)]
    public async Task Clear_Refused_StatusNothingChanged(string? caller, string path, HttpStatusCode status)
    {
        var ct = TestContext.Current.CancellationToken;
        const string approverToken = "alice-token-0123456789abcdef0123456789";
        await using var cp = await TestControlPlane.StartAsync(ct, options: new ControlPlaneOptions { Approvers = ApproverCredentials.From([("alice", approverToken)]) });
        await cp.ApplyOkAsync(WorkloadAndCanary("127.0.0.1:5000/shop/web:1.2.0"), ct);
        var revision = cp.Store.Revision;
        using var client = new HttpClient { BaseAddress = cp.Http.BaseAddress };
        if (caller is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", caller == "admin" ? cp.Host.AdminCredential.Token : approverToken);
        }

        using var response = await client.PostAsync(path, null, ct);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(revision, cp.Store.Revision);
    }

    private static string WorkloadAndCanary(string image) => $$"""
        apiVersion: linnet.io/v1alpha1
        kind: Workload
        metadata:
          name: web
          labels: { app: web }
          annotations: { keel.sh/policy: minor }
        spec: { image: "{{image}}", ports: [8080] }
        ---
        apiVersion: flagger.app/v1beta1
        kind: Canary
        metadata: { name: web }
        spec:
          suspend: true
          targetRef: { apiVersion: apps/v1, kind: Deployment, name: web }
          service: { port: 80 }
          analysis:
            interval: 1m
            stepWeight: 10
            metrics:
              - name: request-success-rate
                thresholdRange: { min: 99 }
        """;

    private static async Task DecideAsync(TestControlPlane cp, WorkloadResource target, string phase, CancellationToken ct)
    {
        var canary = (CanaryResource)cp.Store.Find(new ResourceKey(CanaryResource.KindName, "default", "web"))!;
        var now = TimeProvider.System.GetUtcNow();
        var failed = phase == CanaryPhases.Failed;
        var status = new CanaryStatus
        {
            Phase = phase,
            LastAppliedSpec = CanaryObjects.SpecHash(target),
            Metrics = [new("request-success-rate", failed ? 50 : 100, 99, null, !failed, now)],
            Events = failed
                ? [new(now, "Normal", "New revision detected! Scaling up web.default"), new(now, "Warning", "Halt web.default advancement request-success-rate 50.00 < 99"), new(now, "Warning", "Canary failed! Scaling down web.default")]
                : [new(now, "Normal", "New revision detected! Scaling up web.default"), new(now, "Normal", "Promotion completed! Scaling down web.default")],
        };
        await cp.Store.CommitAsync([new PutChange(canary with { Status = status }) { ExpectedVersion = canary.Metadata.ResourceVersion }], ct);
    }

    private static async Task<WorkloadResource> WaitForImageAsync(TestControlPlane cp, string image, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        if (cp.Store.Find(new ResourceKey(WorkloadResource.KindName, "default", "web")) is WorkloadResource { Spec.Image: var now } already && now == image)
        {
            return already;
        }

        await foreach (var change in cp.Store.WatchAsync(cp.Store.Revision, timeout.Token))
        {
            if (change.Resource is WorkloadResource { Metadata.Name: "web" } workload && workload.Spec.Image == image)
            {
                return workload;
            }
        }

        throw new TimeoutException(image);
    }

    private static async Task<HttpResponseMessage> NativeAsync(TestControlPlane cp, string host, string tag, string digest, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/webhooks/native") { Content = new StringContent($$"""{"name":"{{host}}/shop/web","tag":"{{tag}}","digest":"{{digest}}"}""", Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Authorization", Basic);
        var response = await cp.Anonymous.SendAsync(request, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response;
    }

    private static async Task<JsonNode> GetAsync(HttpClient client, string path, CancellationToken ct)
    {
        using var response = await client.GetAsync(path, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!;
    }

    private static string? ImageOf(TestControlPlane cp) =>
        Assert.IsType<WorkloadResource>(cp.Store.Find(new ResourceKey(WorkloadResource.KindName, "default", "web"))).Spec.Image;
}
