using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Notifications;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Rollouts;
using Linnet.ControlPlane.Core.Updates;

namespace Linnet.ControlPlane.Core.Tests.Updates;

/// <summary>The closed release loop's rules: a Canary's decision on its target's current spec (Flagger: a new
/// revision is a change of the target's spec) is the verdict on the image; a rolled-back version is not planned
/// again until a newer one appears (a newer tag, or a new digest of the tag).</summary>
public sealed class ReleaseLoopTests
{
    private const string D1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private const string D2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Judge_FailedOnTheCurrentSpec_RolledBackWithTheAnalysisWarningsAndFailedChecks()
    {
        var target = Workload($"r.io/shop/web:1.3.0@{D1}");
        var canary = Canary() with
        {
            Status = new CanaryStatus
            {
                Phase = CanaryPhases.Failed,
                LastAppliedSpec = CanaryObjects.SpecHash(target),
                Events =
                [
                    new(Now, "Warning", "an earlier analysis' warning"),
                    new(Now, "Normal", "New revision detected! Scaling up web.default"),
                    new(Now, "Warning", "Halt web.default advancement request-success-rate 50.00 < 99"),
                    new(Now, "Warning", "Rolling back web.default failed checks threshold reached 2"),
                ],
                Metrics = [new("request-success-rate", 50, 99, null, false, Now)],
            },
        };

        var verdict = ReleaseLoop.Judge(canary, target, Settings(target), Now)!;

        Assert.Equal(ReleaseVerdicts.RolledBack, verdict.Spec.Verdict);
        Assert.Equal($"r.io/shop/web:1.3.0@{D1}", verdict.Spec.Image);
        Assert.Equal(["Halt web.default advancement request-success-rate 50.00 < 99", "Rolling back web.default failed checks threshold reached 2", "request-success-rate: 50 outside [99, -]"], verdict.Spec.Reasons);
        var notification = ReleaseLoop.Notify(verdict, Settings(target));
        Assert.Equal(NotificationLevel.Error, notification.Level);
        Assert.Contains("rolled back", notification.Message, StringComparison.Ordinal);
        Assert.Contains("request-success-rate 50.00 < 99", notification.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Judge_SucceededOnTheCurrentSpec_Promoted()
    {
        var target = Workload("r.io/shop/web:1.3.0");
        var canary = Canary() with { Status = new CanaryStatus { Phase = CanaryPhases.Succeeded, LastAppliedSpec = CanaryObjects.SpecHash(target), Metrics = [new("request-success-rate", 100, 99, null, true, Now)] } };

        var verdict = ReleaseLoop.Judge(canary, target, Settings(target), Now)!;

        Assert.Equal(ReleaseVerdicts.Promoted, verdict.Spec.Verdict);
        Assert.Contains("request-success-rate: 100 within [99, -]", verdict.Spec.Reasons);
        Assert.Equal(NotificationLevel.Success, ReleaseLoop.Notify(verdict, Settings(target)).Level);
    }

    [Fact]
    public void Judge_PromotedByTheSequentialJudge_ItsSentenceIsAReason()
    {
        var target = Workload("r.io/shop/web:1.3.0");
        var options = new Core.Judge.JudgeOptions { Kind = Core.Judge.JudgeKinds.Sequential };
        var judge = new Core.Judge.SequentialJudge(options);
        var buckets = new long[Linnet.Api.Telemetry.LatencyBuckets.Count];
        buckets[10] = 90_000;
        judge.Observe(new Core.Judge.JudgeInput(new Core.Judge.SideCounts(90_000, 450, buckets), new Core.Judge.SideCounts(10_000, 50, buckets.Select(b => b / 9).ToArray())));
        var result = judge.Observe(new Core.Judge.JudgeInput(new Core.Judge.SideCounts(180_000, 900, buckets.Select(b => b * 2).ToArray()), new Core.Judge.SideCounts(20_000, 100, buckets.Select(b => b * 2 / 9).ToArray())));
        Assert.Equal(Core.Judge.JudgeVerdict.Promote, result.Verdict);
        var canary = Canary() with { Status = new CanaryStatus { Phase = CanaryPhases.Succeeded, LastAppliedSpec = CanaryObjects.SpecHash(target), Judge = new CanaryJudgeStatus(judge.State, Now, result) } };

        var verdict = ReleaseLoop.Judge(canary, target, Settings(target), Now)!;

        Assert.Equal(ReleaseVerdicts.Promoted, verdict.Spec.Verdict);
        Assert.Contains(verdict.Spec.Reasons, r => r.StartsWith("ready to promote: canary failure rate 0.5 % vs primary 0.5 %", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(CanaryPhases.Progressing, true, true)]
    [InlineData(CanaryPhases.Failed, false, true)]
    [InlineData(CanaryPhases.Failed, true, false)]
    public void Judge_UndecidedOrAboutAnotherSpecOrNoPolicy_NoVerdict(string phase, bool currentSpec, bool policy)
    {
        var target = Workload("r.io/shop/web:1.3.0", policy);
        var canary = Canary() with { Status = new CanaryStatus { Phase = phase, LastAppliedSpec = currentSpec ? CanaryObjects.SpecHash(target) : CanaryObjects.SpecHash(Workload("r.io/shop/web:1.2.0")) } };

        Assert.Null(ReleaseLoop.Judge(canary, target, Settings(target), Now));
    }

    [Theory]
    // The rolled-back version again (by tag, or by the same digest): skipped. A newer tag, or a new digest of
    // the tag: a newer version, planned.
    [InlineData("1.3.0", D1, null)]
    [InlineData("1.3.0", null, null)]
    [InlineData("1.3.0", D2, "r.io/shop/web:1.3.0@" + D2)]
    [InlineData("1.4.0", D2, "r.io/shop/web:1.4.0@" + D2)]
    public void Plan_RolledBackVersion_NotTriedAgainUntilANewerOne(string tag, string? digest, string? expected)
    {
        var workload = Workload("r.io/shop/web:1.2.0");
        var verdict = new ReleaseVerdictResource
        {
            Metadata = new ObjectMeta { Name = ReleaseLoop.Name("web", $"r.io/shop/web:1.3.0@{D1}") },
            Spec = new ReleaseVerdictSpec("web", "web", $"r.io/shop/web:1.3.0@{D1}", ReleaseVerdicts.RolledBack, ["failed"], Now),
        };

        var plan = ImageUpdatePlanner.Plan([workload], new ImagePushEvent("r.io/shop/web", tag, digest), [verdict], []);

        Assert.Equal(expected, plan.SingleOrDefault().Image);
    }

    [Fact]
    public void Primary_TargetWithKeelAnnotations_PrimaryCarriesNone()
    {
        var target = Workload("r.io/shop/web:1.3.0");

        var primary = CanaryObjects.Primary(Canary(), target, target.Spec, "app", null);

        Assert.DoesNotContain(primary.Metadata.Annotations.Keys, k => k.StartsWith("keel.sh/", StringComparison.Ordinal));
        Assert.Null(ReleaseLoop.Judge(Canary() with { Status = new CanaryStatus { Phase = CanaryPhases.Failed, LastAppliedSpec = CanaryObjects.SpecHash(primary) } }, primary, Settings(primary), Now));
    }

    private static ImageUpdateSettings? Settings(WorkloadResource workload) => ImagePolicies.For(workload, []);

    private static WorkloadResource Workload(string image, bool policy = true) => new()
    {
        Metadata = new ObjectMeta
        {
            Name = "web",
            Labels = new Dictionary<string, string> { ["app"] = "web" },
            Annotations = policy ? new Dictionary<string, string> { [KeelAnnotations.Policy] = "minor" } : new Dictionary<string, string>(),
        },
        Spec = new WorkloadSpec(1, "default", "", [], [], null, [8080], [], null) { Image = image },
    };

    private static CanaryResource Canary() => (CanaryResource)Assert.Single(ManifestParser.Parse("""
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
        """, "test").Resources);
}
