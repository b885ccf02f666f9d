using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Rollouts;

namespace Linnet.ControlPlane.Core.Tests.Manifests;

public sealed class AlertProviderManifestTests
{
    private static string Provider(string spec) => $"""
        apiVersion: flagger.app/v1beta1
        kind: AlertProvider
        metadata: {"{"} name: on-call, namespace: flagger {"}"}
        spec: {spec}
        """;

    [Fact]
    public void Parse_FlaggersSlackProvider_ReadsItAndWritesItBack()
    {
        // Flagger's docs (usage/alerting.md): type, channel, username, secretRef.
        var result = ManifestParser.Parse(Provider("{ type: slack, channel: on-call-alerts, username: flagger, secretRef: { name: on-call-url } }"), "t");

        Assert.Empty(result.Errors);
        var provider = Assert.IsType<AlertProviderResource>(result.Resources.Single());
        Assert.Equal(new AlertProviderSpec("slack", null, "on-call-url") { Channel = "on-call-alerts", Username = "flagger" }, provider.Spec);
        var again = ManifestParser.Parse(ResourceWriter.ToJsonLine(provider), "store", ManifestOrigin.Store);
        Assert.True(provider.ContentEquals(again.Resources.Single()));
    }

    [Theory]
    [InlineData("{ type: pagerduty, address: \"https://x.test/\" }", "spec.type", "not one of Flagger's alert providers")]
    [InlineData("{ type: slack }", "spec.address", "or secretRef is required")]
    [InlineData("{ type: slack, address: \"http://hooks.example.com/x\" }", "spec.address", "https")]
    [InlineData("{ type: slack, address: \"https://x.test/\", secretRef: { name: s } }", "spec.secretRef", "both given")]
    [InlineData("{ type: msteams, address: \"https://x.test/\", channel: general }", "spec.channel", "post to the channel they were made for")]
    [InlineData("{ type: slack, address: \"https://x.test/\", channel: \"a b\" }", "spec.channel", "not a channel name")]
    [InlineData("{ type: slack, address: \"https://x.test/\", proxy: \"http://proxy.test:3128\" }", "spec.proxy", "not honoured")]
    public void Parse_InvalidProvider_RefusedWithPathAndReason(string spec, string path, string reason)
    {
        var result = ManifestParser.Parse(Provider(spec), "t");

        Assert.Empty(result.Resources);
        Assert.Contains(result.Errors, e => e.Path == path && e.Reason.Contains(reason, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("info", "info", true)]
    [InlineData("info", "error", true)]
    [InlineData("warn", "warn", true)]
    [InlineData("warn", "error", true)]
    [InlineData("warn", "info", false)]
    [InlineData("error", "warn", false)]
    [InlineData("error", "error", true)]
    public void Wants_FlaggersSeverityRule(string alertSeverity, string severity, bool wanted) =>
        Assert.Equal(wanted, CanaryAlerts.Wants(alertSeverity, severity));
}
