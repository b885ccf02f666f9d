using Linnet.Api.Telemetry;
using Linnet.ControlPlane.Core.Judge;
using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Tests.Manifests;

/// <summary><c>analysis.judge: sequential</c> and its settings on a Canary, and the judge's state on its
/// status as the store writes and reads it back (what a restarted control plane resumes from).</summary>
public sealed class CanaryJudgeManifestTests
{
    private const string Sequential = """
        apiVersion: flagger.app/v1beta1
        kind: Canary
        metadata: { name: podinfo, namespace: test }
        spec:
          targetRef: { apiVersion: apps/v1, kind: Deployment, name: podinfo }
          service: { port: 9898 }
          analysis:
            interval: 1m
            stepWeight: 10
            maxWeight: 50
            judge: sequential
            alpha: 0.02
            successRateMargin: 0.02
            latencyQuantile: 0.95
            latencyMargin: 0.03
            undecidedIntervals: 6
        """;

    private static string Errors(ManifestParseResult result) => string.Join("\n", result.Errors.Select(e => $"{e.Path}: {e.Reason}"));

    [Fact]
    public void Parse_SequentialJudgeWithSettings_AcceptedAndHonoured()
    {
        var result = ManifestParser.Parse(Sequential, "t");

        Assert.True(result.Errors.Count == 0, Errors(result));
        var judge = ((CanaryResource)Assert.Single(result.Resources)).Spec.Analysis.Judge;
        Assert.Equal(new JudgeOptions { Kind = JudgeKinds.Sequential, Alpha = 0.02, SuccessRateMargin = 0.02, LatencyQuantile = 0.95, LatencyMargin = 0.03, UndecidedIntervals = 6 }, judge);
    }

    [Theory]
    [InlineData("    alpha: 0.02\n", "    alpha: 0.5\n", "spec.analysis.alpha", "not between 0.001 and 0.2")]
    [InlineData("    latencyQuantile: 0.95\n", "    latencyQuantile: 1\n", "spec.analysis.latencyQuantile", "not between 0.5 and 0.999")]
    [InlineData("    judge: sequential\n", "    judge: kayenta\n", "spec.analysis.judge", "not one of: threshold, sequential")]
    [InlineData("    judge: sequential\n", "", "spec.analysis.successRateMargin", "only with judge: sequential")]
    [InlineData("    judge: sequential\n", "", "spec.analysis.undecidedIntervals", "only with judge: sequential")]
    [InlineData("    undecidedIntervals: 6", "    undecidedIntervals: 0", "spec.analysis.undecidedIntervals", "not between 1 and 10000")]
    public void Parse_JudgeSettingInvalidOrNotHonoured_RefusedWithPathAndReason(string original, string replacement, string path, string reason)
    {
        var result = ManifestParser.Parse(Sequential.Replace(original, replacement, StringComparison.Ordinal), "t");

        Assert.Empty(result.Resources);
        Assert.Contains(result.Errors, e => e.Path == path && e.Reason.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public void ToJson_JudgeStatus_ReadBackFromTheStoreWithTheSameStateAndDecision()
    {
        var canary = (CanaryResource)ManifestParser.Parse(Sequential, "t").Resources[0];
        var options = canary.Spec.Analysis.Judge;
        var judge = new SequentialJudge(options);
        var buckets = new long[LatencyBuckets.Count];
        buckets[10] = 3000;
        judge.Observe(new JudgeInput(new SideCounts(3000, 15, buckets), new SideCounts(300, 2, buckets.Select(b => b / 10).ToArray())));
        var result = judge.Observe(new JudgeInput(new SideCounts(6000, 31, buckets.Select(b => b * 2).ToArray()), new SideCounts(700, 4, buckets.Select(b => b * 7 / 30).ToArray())));
        var lookedAt = new DateTimeOffset(2026, 12, 4, 8, 0, 0, TimeSpan.Zero);
        var stored = canary with { Status = canary.Status with { Phase = CanaryPhases.Progressing, Judge = new CanaryJudgeStatus(judge.State, lookedAt, result) { IntervalsAtMaxWeight = 3 } } };

        var json = ResourceWriter.ToJson(stored);
        var reread = ManifestParser.Parse(json.ToJsonString(), "store", ManifestOrigin.Store);

        Assert.True(reread.Errors.Count == 0, Errors(reread));
        var back = ((CanaryResource)reread.Resources[0]).Status.Judge!;
        Assert.Equal(judge.State, back.State);
        Assert.Equal(lookedAt, back.LookedAt);
        Assert.Equal(3, back.IntervalsAtMaxWeight);
        Assert.Equal(6, ((CanaryResource)reread.Resources[0]).Spec.Analysis.Judge.UndecidedIntervals);
        Assert.Equal(result.Message, back.Result.Message);
        Assert.Equal(result.FailureRate, back.Result.FailureRate);

        // What readers (describe, the dashboard, alerts) find without the judge's code.
        var written = json["status"]!["judge"]!;
        Assert.Equal("continue", written["verdict"]!.GetValue<string>());
        Assert.Equal(result.Message, written["message"]!.GetValue<string>());
        Assert.Equal(result.FailureRate.EValue, written["failureRate"]!["eValue"]!.GetValue<double>());
        Assert.Equal(4, written["failureRate"]!["canaryEvents"]!.GetValue<long>());
        Assert.Equal(2, written["looks"]!.GetValue<long>());
    }

    [Theory]
    [InlineData("failureLogE", "[0, 0, 0]", "log-products")]
    [InlineData("latencyBoundIndex", "12", "latency bound")]
    public void Parse_StoredJudgeStateMalformed_RefusedAtItsPath(string key, string value, string reason)
    {
        var canary = (CanaryResource)ManifestParser.Parse(Sequential, "t").Resources[0];
        var stored = canary with { Status = canary.Status with { Phase = CanaryPhases.Progressing, Judge = CanaryJudgeStatus.Start(canary.Spec.Analysis.Judge, DateTimeOffset.UnixEpoch) } };
        var json = ResourceWriter.ToJson(stored);
        json["status"]!["judge"]!["state"]![key] = System.Text.Json.Nodes.JsonNode.Parse(value);

        var reread = ManifestParser.Parse(json.ToJsonString(), "store", ManifestOrigin.Store);

        Assert.Contains(reread.Errors, e => e.Path == "status.judge.state" && e.Reason.Contains(reason, StringComparison.Ordinal));
    }
}
