using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Tests.Manifests;

public sealed class MetricTemplateManifestTests
{
    // Flagger's own example (docs/gitbook/usage/metrics.md), with headers.
    private const string Template = """
        apiVersion: flagger.app/v1beta1
        kind: MetricTemplate
        metadata:
          name: not-found-percentage
          namespace: istio-system
        spec:
          provider:
            type: prometheus
            address: http://prometheus.istio-system:9090
            headers:
              X-Scope-OrgID: [tenant-a]
          query: |
            100 - sum(
                rate(
                    istio_requests_total{
                      reporter="{{ variables.reporter }}",
                      destination_workload_namespace="{{ namespace }}",
                      destination_workload="{{ target }}",
                      response_code!="404"
                    }[{{ interval }}]
                )
            )
        """;

    private static string CanaryWithMetric(string metric) => $"""
        apiVersion: flagger.app/v1beta1
        kind: Canary
        metadata: {"{"} name: podinfo, namespace: test {"}"}
        spec:
          targetRef: {"{"} apiVersion: apps/v1, kind: Deployment, name: podinfo {"}"}
          service: {"{"} port: 9898 {"}"}
          analysis:
            interval: 10s
            stepWeight: 10
            metrics:
        {metric}
        """;

    [Fact]
    public void Parse_FlaggersTemplate_ReadWithProviderHeadersAndQuery()
    {
        var result = ManifestParser.Parse(Template, "t");

        Assert.Empty(result.Errors);
        var template = Assert.IsType<MetricTemplateResource>(result.Resources[0]);
        Assert.Equal(("prometheus", new Uri("http://prometheus.istio-system:9090")), (template.Spec.Provider, template.Spec.Address));
        Assert.Equal(["tenant-a"], template.Spec.Headers["X-Scope-OrgID"]);
        Assert.Contains("destination_workload=\"{{ target }}\"", template.Spec.Query, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_Template_RoundTripsThroughTheStoreForm()
    {
        var template = ManifestParser.Parse(Template, "t").Resources[0];

        var reread = ManifestParser.Parse(ResourceWriter.ToJsonLine(template), "store", ManifestOrigin.Store);

        Assert.Empty(reread.Errors);
        Assert.True(template.ContentEquals(reread.Resources[0]));
    }

    [Theory]
    [InlineData("    type: datadog", "spec.provider.type", "not a provider Linnet queries")]
    [InlineData("    secretRef: { name: Prom_Auth }", "spec.provider.secretRef.name", "not a DNS label")]
    [InlineData("    secretRef: { name: prom-auth, namespace: other }", "spec.provider.secretRef.namespace", "")]
    [InlineData("    secretRef: { name: prom-auth }\n    headers: { Authorization: Bearer x }", "spec.provider.secretRef", "give one")]
    [InlineData("    insecureSkipVerify: true", "spec.provider.insecureSkipVerify", "verifies")]
    public void Parse_ProviderFieldsNotHonoured_RefusedWithPathAndReason(string line, string path, string reason)
    {
        var template = line.Contains("headers:", StringComparison.Ordinal) ? Template.Replace("    headers:\n      X-Scope-OrgID: [tenant-a]\n", "", StringComparison.Ordinal) : Template;
        var yaml = template.Replace("    type: prometheus", line.StartsWith("    type", StringComparison.Ordinal) ? line : "    type: prometheus\n" + line, StringComparison.Ordinal);

        var result = ManifestParser.Parse(yaml, "t");

        var error = Assert.Single(result.Errors);
        Assert.Equal(path, error.Path);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SecretRef_ReadAndRoundTrips()
    {
        var yaml = Template.Replace("    type: prometheus", "    type: prometheus\n    secretRef: { name: prom-auth }", StringComparison.Ordinal);

        var result = ManifestParser.Parse(yaml, "t");

        Assert.Empty(result.Errors);
        var template = Assert.IsType<MetricTemplateResource>(result.Resources[0]);
        Assert.Equal("prom-auth", template.Spec.SecretRef);
        var reread = ManifestParser.Parse(ResourceWriter.ToJsonLine(template), "store", ManifestOrigin.Store);
        Assert.Empty(reread.Errors);
        Assert.True(template.ContentEquals(reread.Resources[0]));
        Assert.False(template.ContentEquals(ManifestParser.Parse(Template, "t").Resources[0]));
    }

    [Theory]
    [InlineData("ftp://prometheus:9090")]
    [InlineData("http://user:secret@prometheus:9090")]
    [InlineData("prometheus:9090/x")]
    public void Parse_BadAddress_Refused(string address)
    {
        var result = ManifestParser.Parse(Template.Replace("http://prometheus.istio-system:9090", address, StringComparison.Ordinal), "t");

        Assert.Equal("spec.provider.address", Assert.Single(result.Errors).Path);
        Assert.DoesNotContain("secret@", Assert.Single(result.Errors).Reason.Replace(address, "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{{ ingress }}")]
    [InlineData("{{ if .x }}y{{ end }}")]
    [InlineData("{{ target | printf }}")]
    [InlineData("sum(x{a=\"{{ target }\"})")]
    public void Parse_QueryWithActionsLinnetDoesNotRender_Refused(string query)
    {
        var result = ManifestParser.Parse(Template[..Template.IndexOf("  query: |", StringComparison.Ordinal)] + $"  query: '{query}'\n", "t");

        Assert.Equal("spec.query", Assert.Single(result.Errors).Path);
    }

    [Fact]
    public void Render_FlaggersVariables_Substituted()
    {
        var fields = new Dictionary<string, string> { ["name"] = "podinfo", ["namespace"] = "test", ["target"] = "podinfo", ["service"] = "podinfo", ["interval"] = "1m" };

        var query = MetricQueryTemplate.Render("x{ns=\"{{ namespace }}\",d=~\"{{target}}\",dir=\"{{ variables.direction }}\"}[{{ interval }}] # {{ name }} {{ service }}", fields, new Dictionary<string, string> { ["direction"] = "inbound" });

        Assert.Equal("x{ns=\"test\",d=~\"podinfo\",dir=\"inbound\"}[1m] # podinfo podinfo", query);
    }

    [Fact]
    public void Render_MissingVariable_ErrorNamingIt()
    {
        var ex = Assert.Throws<KeyNotFoundException>(() => MetricQueryTemplate.Render("{{ variables.direction }}", new Dictionary<string, string>(), new Dictionary<string, string>()));

        Assert.Contains("'direction'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_CanaryMetricWithTemplateRef_ReadAndRoundTrips()
    {
        var yaml = CanaryWithMetric("      - name: not-found\n        templateRef: { name: not-found-percentage, namespace: istio-system }\n        templateVariables: { reporter: destination }\n        thresholdRange: { max: 5 }\n        interval: 1m");

        var result = ManifestParser.Parse(yaml, "t");

        Assert.Empty(result.Errors);
        var canary = (CanaryResource)result.Resources[0];
        var metric = Assert.Single(canary.Spec.Analysis.Metrics);
        Assert.Equal(new ResourceKey(MetricTemplateResource.KindName, "istio-system", "not-found-percentage"), metric.TemplateRef);
        Assert.Equal("destination", metric.TemplateVariables["reporter"]);
        var reread = ManifestParser.Parse(ResourceWriter.ToJsonLine(canary), "store", ManifestOrigin.Store);
        Assert.True(canary.ContentEquals(reread.Resources[0]));
    }

    [Theory]
    [InlineData("      - name: x\n        templateVariables: { a: b }\n        thresholdRange: { max: 5 }", "spec.analysis.metrics[0].templateVariables")]
    [InlineData("      - name: x\n        query: up\n        thresholdRange: { max: 5 }", "spec.analysis.metrics[0].query")]
    [InlineData("      - name: x\n        thresholdRange: { max: 5 }", "spec.analysis.metrics[0].name")]
    public void Parse_CustomMetricWithoutTemplateRef_Refused(string metric, string path)
    {
        var result = ManifestParser.Parse(CanaryWithMetric(metric), "t");

        Assert.Contains(result.Errors, e => e.Path == path);
    }
}
