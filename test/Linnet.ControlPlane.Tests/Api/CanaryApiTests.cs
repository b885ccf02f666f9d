using System.Net;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Tests.Infrastructure;

namespace Linnet.ControlPlane.Tests.Api;

public sealed class CanaryApiTests : IAsyncLifetime
{
    private const string Canary = """
        apiVersion: flagger.app/v1beta1
        kind: Canary
        metadata: { name: web }
        spec:
          targetRef: { apiVersion: apps/v1, kind: Deployment, name: web }
          service: { port: 80 }
          analysis:
            interval: 1m
            stepWeight: 10
            metrics:
              - name: request-success-rate
                thresholdRange: { min: 99 }

        """;

    private TestControlPlane _cp = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _cp = await TestControlPlane.StartAsync(Ct);

    public ValueTask DisposeAsync() => _cp.DisposeAsync();

    [Fact]
    public async Task Apply_CanaryWebhookDisablingTls_422WithFieldAndReasonAndNothingWritten()
    {
        var withWebhook = Canary.Replace("    metrics:", "    webhooks:\n      - name: load-test\n        url: http://flagger-loadtester.test/\n        disableTLS: true\n    metrics:", StringComparison.Ordinal);

        var (status, body) = await _cp.ApplyAsync(Manifests.Join(Manifests.Service("other"), withWebhook), Ct);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var error = Assert.Single(body["errors"]!.AsArray());
        Assert.Equal(("Canary/web", "spec.analysis.webhooks[0].disableTLS"), ((string?)error!["resource"], (string?)error["path"]));
        Assert.Contains("verifies a webhook's TLS certificate", (string?)error["reason"], StringComparison.Ordinal);
        Assert.Equal(0, _cp.Store.Revision);
    }

    [Fact]
    public async Task Apply_SameCanaryAgain_KeepsTheControllersStatus()
    {
        // Suspended, so the canary controller leaves the status this test writes alone.
        var suspended = Canary.Replace("  service:", "  suspend: true\n  service:", StringComparison.Ordinal);
        await _cp.ApplyOkAsync(suspended, Ct);
        var key = new ResourceKey(CanaryResource.KindName, "default", "web");
        var stored = (CanaryResource)_cp.Store.Find(key)!;
        var status = new CanaryStatus { Phase = CanaryPhases.Progressing, CanaryWeight = 20, FailedChecks = 1 };
        await _cp.Store.CommitAsync([new Core.Store.PutChange(stored with { Status = status })], Ct);
        var revision = _cp.Store.Revision;

        var (code, body) = await _cp.ApplyAsync(suspended, Ct);

        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("unchanged", (string?)body["results"]![0]!["action"]);
        Assert.Equal(revision, _cp.Store.Revision);
        Assert.Equal(status, ((CanaryResource)_cp.Store.Find(key)!).Status);
    }

    [Fact]
    public async Task Delete_RevertOnDeletion_202TerminatingRecordedByWhomThenSecondDeleteRemovesIt()
    {
        // No target Workload: the controller cannot revert, so the Canary stays Terminating for this test to see.
        await _cp.ApplyOkAsync(Canary.Replace("  service:", "  revertOnDeletion: true\n  service:", StringComparison.Ordinal), Ct);
        var key = new ResourceKey(CanaryResource.KindName, "default", "web");

        using var anonymous = await _cp.Anonymous.DeleteAsync(new Uri("/api/v1/resources/Canary/default/web", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.NotEqual(CanaryPhases.Terminating, ((CanaryResource)_cp.Store.Find(key)!).Status.Phase);

        var (status, body) = await _cp.SendAsync(HttpMethod.Delete, "/api/v1/resources/Canary/default/web", Ct);

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("terminating", (string?)body["action"]);
        var terminating = (CanaryResource)_cp.Store.Find(key)!;
        Assert.Equal(CanaryPhases.Terminating, terminating.Status.Phase);
        Assert.Contains(terminating.Status.Events, e => e.Message.StartsWith("Terminating canary web.default (deleted by admin, revertOnDeletion)", StringComparison.Ordinal));

        // Deleting it again removes it outright (Flagger: removing the finalizer by hand).
        var (again, againBody) = await _cp.SendAsync(HttpMethod.Delete, "/api/v1/resources/Canary/default/web", Ct);

        Assert.Equal(HttpStatusCode.OK, again);
        Assert.Equal("deleted", (string?)againBody["action"]);
        Assert.Null(_cp.Store.Find(key));
    }

    [Fact]
    public async Task Delete_WithoutRevertOnDeletion_RemovedAtOnce()
    {
        await _cp.ApplyOkAsync(Canary, Ct);

        var (status, body) = await _cp.SendAsync(HttpMethod.Delete, "/api/v1/resources/Canary/default/web", Ct);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("deleted", (string?)body["action"]);
        Assert.Null(_cp.Store.Find(new ResourceKey(CanaryResource.KindName, "default", "web")));
    }
}
