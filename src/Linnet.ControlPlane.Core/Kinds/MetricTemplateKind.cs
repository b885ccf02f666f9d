using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Kinds;

/// <summary>The <c>MetricTemplate</c> kind (Flagger's).</summary>
internal static class MetricTemplateKind
{
    public static ResourceKind Definition { get; } = new()
    {
        Name = MetricTemplateResource.KindName,
        Plural = "metrictemplates",
        ApiVersions = [CanaryResource.FlaggerVersion],
        Spec = KindSchema.Fields(
            ("provider", KindSchema.Fields(("type", KindSchema.Text()), ("address", KindSchema.Text()), ("secretRef", KindSchema.Fields(("name", KindSchema.Text()))), ("insecureSkipVerify", KindSchema.Boolean()))),
            ("query", KindSchema.Text("A PromQL query with Flagger's template variables."))).Requiring("provider", "query"),
        Read = d => d.Metadata is null ? null : new MetricTemplateResource { Metadata = d.Metadata, Spec = ManifestParser.ParseMetricTemplateSpec(d.Spec) },
        Write = (r, json) => json["spec"] = ResourceWriter.MetricTemplateSpecJson(((MetricTemplateResource)r).Spec),
    };
}
