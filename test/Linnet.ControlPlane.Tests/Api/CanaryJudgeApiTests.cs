using System.Net;
using Linnet.ControlPlane.Core.Judge;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Tests.Infrastructure;

namespace Linnet.ControlPlane.Tests.Api;

/// <summary>Applying a Canary judged sequentially: its settings are stored and honoured; a bad setting is
/// refused with its path and nothing is written; a judge state in an applied manifest is refused (only the
/// controller writes status).</summary>
public sealed class CanaryJudgeApiTests : IAsyncLifetime
{
    private const string Canary = """
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
            judge: sequential
            alpha: 0.01

        """;

    private TestControlPlane _cp = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _cp = await TestControlPlane.StartAsync(Ct);

    public ValueTask DisposeAsync() => _cp.DisposeAsync();

    [Fact]
    public async Task Apply_SequentialCanary_StoredWithItsJudgeSettings()
    {
        await _cp.ApplyOkAsync(Canary, Ct);

        var stored = (CanaryResource)_cp.Store.Find(new ResourceKey(CanaryResource.KindName, "default", "web"))!;
        Assert.Equal(new JudgeOptions { Kind = JudgeKinds.Sequential, Alpha = 0.01 }, stored.Spec.Analysis.Judge);
        Assert.Null(stored.Status.Judge);
    }

    [Fact]
    public async Task Apply_SequentialCanaryWithAlphaOutOfRange_422WithFieldAndReasonAndNothingWritten()
    {
        var (status, body) = await _cp.ApplyAsync(Canary.Replace("alpha: 0.01", "alpha: 0.5", StringComparison.Ordinal), Ct);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var error = Assert.Single(body["errors"]!.AsArray());
        Assert.Equal(("Canary/web", "spec.analysis.alpha"), ((string?)error!["resource"], (string?)error["path"]));
        Assert.Contains("not between 0.001 and 0.2", (string?)error["reason"], StringComparison.Ordinal);
        Assert.Equal(0, _cp.Store.Revision);
    }

    [Fact]
    public async Task Apply_ManifestCarryingAJudgeState_422AndNothingWritten()
    {
        // A user cannot hand the judge evidence: status is the controller's to write.
        var withStatus = Canary + """
            status:
              phase: Progressing
              judge:
                lookedAt: "2026-12-04T08:00:00Z"
                state: { primary: { requests: 1000, failures: 0 }, canary: { requests: 1000, failures: 0 } }

            """;

        var (status, body) = await _cp.ApplyAsync(withStatus, Ct);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var error = Assert.Single(body["errors"]!.AsArray());
        Assert.Equal(("Canary/web", "status"), ((string?)error!["resource"], (string?)error["path"]));
        Assert.Equal(0, _cp.Store.Revision);
    }
}
