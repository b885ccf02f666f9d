using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Tests.Manifests;

public sealed class CanaryWebhookManifestTests
{
    private static string Canary(string webhooks) => $"""
        apiVersion: flagger.app/v1beta1
        kind: Canary
        metadata: {"{"} name: podinfo, namespace: test {"}"}
        spec:
          targetRef: {"{"} apiVersion: apps/v1, kind: Deployment, name: podinfo {"}"}
          service: {"{"} port: 9898 {"}"}
          analysis:
            interval: 1m
            stepWeight: 10
            webhooks:
        {webhooks}
        """;

    [Fact]
    public void Parse_FlaggersLoadTesterExample_ReadsEveryFieldWithFlaggersDefaults()
    {
        // Flagger's docs (usage/webhooks.md): a gate, a load test, and an event hook without a type field.
        var result = ManifestParser.Parse(Canary("""
                  - name: "start gate"
                    type: confirm-rollout
                    url: http://flagger-loadtester.test/gate/approve
                  - name: load-test
                    url: http://flagger-loadtester.test/
                    timeout: 5s
                    retries: 2
                    muteAlert: true
                    metadata:
                      type: cmd
                      cmd: "hey -z 1m -q 10 -c 2 http://podinfo-canary.test:9898/"
                  - name: x
                    type: rollout
                    url: https://hooks.example.com/check
                    timeout: "0"
            """), "t");

        Assert.Empty(result.Errors);
        var hooks = ((CanaryResource)result.Resources.Single()).Spec.Analysis.Webhooks;
        Assert.Equal(["confirm-rollout", "rollout", "rollout"], hooks.Select(h => h.Type));
        Assert.Equal(TimeSpan.FromSeconds(10), hooks[0].Timeout);
        Assert.Equal((TimeSpan.FromSeconds(5), 2, true), (hooks[1].Timeout, hooks[1].Retries, hooks[1].MuteAlert));
        Assert.Equal("hey -z 1m -q 10 -c 2 http://podinfo-canary.test:9898/", hooks[1].Metadata["cmd"]);
        // Flagger: a timeout shorter than two characters is the default.
        Assert.Equal(TimeSpan.FromSeconds(10), hooks[2].Timeout);
    }

    [Fact]
    public void Write_ThenParse_SameWebhooks()
    {
        var canary = (CanaryResource)ManifestParser.Parse(Canary("      - { name: gate, type: confirm-promotion, url: http://a.test/gate/check, timeout: 3s, retries: 1, metadata: { k: v } }"), "t").Resources.Single();

        var json = ResourceWriter.ToJsonLine(canary);
        var again = ManifestParser.Parse(json, "store", ManifestOrigin.Store);

        Assert.True(again.Errors.Count == 0, string.Join("\n", again.Errors.Select(e => $"{e.Path}: {e.Reason}")));
        Assert.Equal(canary.Spec.Analysis.Webhooks, ((CanaryResource)again.Resources.Single()).Spec.Analysis.Webhooks);
        Assert.Single(canary.Spec.Analysis.Webhooks);
    }

    [Theory]
    [InlineData("      - { name: a, type: pre-deploy, url: http://a.test/ }", "spec.analysis.webhooks[0].type", "not one of Flagger's webhook types")]
    [InlineData("      - { name: a, url: file:///etc/passwd }", "spec.analysis.webhooks[0].url", "http or https")]
    [InlineData("      - { name: a, url: /relative }", "spec.analysis.webhooks[0].url", "http or https")]
    [InlineData("      - { name: a, url: \"http://user:secret@a.test/\" }", "spec.analysis.webhooks[0].url", "credentials")]
    [InlineData("      - { url: http://a.test/ }", "spec.analysis.webhooks[0].name", "required")]
    [InlineData("      - { name: a }", "spec.analysis.webhooks[0].url", "required")]
    [InlineData("      - { name: a, url: http://a.test/, timeout: forever }", "spec.analysis.webhooks[0].timeout", "duration")]
    [InlineData("      - { name: a, url: http://a.test/, timeout: 2h }", "spec.analysis.webhooks[0].timeout", "10m")]
    [InlineData("      - { name: a, url: http://a.test/, retries: 50 }", "spec.analysis.webhooks[0].retries", "")]
    [InlineData("      - { name: a, url: https://a.test/, disableTLS: true }", "spec.analysis.webhooks[0].disableTLS", "verifies")]
    [InlineData("      - { name: a, url: http://a.test/, headers: { x: y } }", "spec.analysis.webhooks[0].headers", "")]
    public void Parse_InvalidWebhook_RefusedWithPathAndReason(string webhook, string path, string reason)
    {
        var result = ManifestParser.Parse(Canary(webhook), "t");

        Assert.Empty(result.Resources);
        Assert.Contains(result.Errors, e => e.Path == path && e.Reason.Contains(reason, StringComparison.Ordinal));
    }
}
