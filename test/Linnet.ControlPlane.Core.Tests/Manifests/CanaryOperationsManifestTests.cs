using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Tests.Manifests;

public sealed class CanaryOperationsManifestTests
{
    private static string Canary(string analysisLine) => $"""
        apiVersion: flagger.app/v1beta1
        kind: Canary
        metadata: {"{"} name: podinfo, namespace: test {"}"}
        spec:
          targetRef: {"{"} apiVersion: apps/v1, kind: Deployment, name: podinfo {"}"}
          service: {"{"} port: 9898 {"}"}
          analysis:
            interval: 10s
            stepWeight: 10
        {analysisLine}
            metrics:
              - name: request-success-rate
                thresholdRange: {"{"} min: 99 {"}"}
        """;

    [Theory]
    [InlineData("", 600)]
    [InlineData("    rollbackWindow: 90s", 90)]
    [InlineData("    rollbackWindow: 0", 0)]
    [InlineData("    rollbackWindow: 0s", 0)]
    public void Parse_RollbackWindow_DefaultTenMinutesOrTheGivenDuration(string line, int seconds)
    {
        var result = ManifestParser.Parse(Canary(line), "t");

        Assert.Empty(result.Errors);
        Assert.Equal(TimeSpan.FromSeconds(seconds), ((CanaryResource)result.Resources[0]).Spec.Analysis.RollbackWindow);
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("25h")]
    [InlineData("-1s")]
    public void Parse_BadRollbackWindow_RefusedWithTheFieldPath(string value)
    {
        var result = ManifestParser.Parse(Canary($"    rollbackWindow: {value}"), "t");

        var error = Assert.Single(result.Errors);
        Assert.Equal("spec.analysis.rollbackWindow", error.Path);
        Assert.Contains("at most 24h", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_CommandPausedAndStandby_RoundTripThroughTheStoreForm()
    {
        var at = new DateTimeOffset(2026, 12, 4, 3, 0, 0, TimeSpan.Zero);
        var canary = (CanaryResource)ManifestParser.Parse(Canary("    rollbackWindow: 5m"), "t").Resources[0];
        canary = canary with
        {
            Status = new CanaryStatus
            {
                Phase = CanaryPhases.Succeeded,
                Paused = true,
                Command = new CanaryCommand(CanaryCommands.Rollback, "admin", at, CanaryCommands.Pending, ""),
                Standby = new CanaryStandby("abc", at.AddMinutes(5), Serving: false, Weight: 40),
            },
        };

        var json = ResourceWriter.ToJsonLine(canary);
        var reread = ManifestParser.Parse(json, "store", ManifestOrigin.Store);

        Assert.Empty(reread.Errors);
        var back = Assert.IsType<CanaryResource>(reread.Resources[0]);
        Assert.True(canary.ContentEquals(back), json);
        Assert.Equal(TimeSpan.FromMinutes(5), back.Spec.Analysis.RollbackWindow);
        Assert.Equal(40, back.Status.Standby!.Weight);
    }

    [Fact]
    public void Parse_UserAppliedStatusCommand_Refused()
    {
        // A command is recorded by the API with the caller's identity, never applied as a manifest.
        var result = ManifestParser.Parse(Canary("") + "\nstatus:\n  command: { action: promote, by: mallory }\n", "t");

        Assert.Contains(result.Errors, e => e.Path == "status");
    }

    [Theory]
    [InlineData("    mirror: true", "spec.analysis.mirror", "needs iterations")]
    [InlineData("    mirrorWeight: 50", "spec.analysis.mirrorWeight", "needs mirror: true")]
    public void Parse_MirrorOutsideBlueGreen_RefusedWithTheReason(string line, string path, string reason)
    {
        var result = ManifestParser.Parse(Canary(line), "t");

        var error = Assert.Single(result.Errors);
        Assert.Equal(path, error.Path);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }
}
