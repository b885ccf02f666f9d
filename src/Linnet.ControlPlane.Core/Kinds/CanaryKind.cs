using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Kinds;

/// <summary>The <c>Canary</c> kind (Flagger's <c>flagger.app/v1beta1</c>).</summary>
internal static class CanaryKind
{
    public static ResourceKind Definition { get; } = new()
    {
        Name = CanaryResource.KindName,
        Plural = "canaries",
        ApiVersions = CanaryResource.Versions,
        HasStatus = true,
        Spec = KindSchema.Fields(
            ("provider", KindSchema.Text("The router; Linnet drives the Service's weighted HTTPRoute.")),
            ("targetRef", KindSchema.Fields(("apiVersion", KindSchema.Text()), ("kind", KindSchema.Text()), ("name", KindSchema.Text())).Requiring("kind", "name")),
            ("service", KindSchema.Open("The apex Service (name, port, targetPort, portName, appProtocol, portDiscovery) and the settings of every rule of its HTTPRoute: timeout, backendTimeout, match, headers, rewrite, retries, mirror, gatewayRefs (the apex Service).")),
            ("analysis", KindSchema.Open("Interval, threshold, weights or iterations, metrics, webhooks, alerts.")),
            ("progressDeadlineSeconds", KindSchema.Whole(0)),
            ("skipAnalysis", KindSchema.Boolean()),
            ("revertOnDeletion", KindSchema.Boolean()),
            ("suspend", KindSchema.Boolean())).Requiring("targetRef"),
        Read = d =>
        {
            if (d.Metadata is null)
            {
                return null;
            }

            var spec = ManifestParser.ParseCanarySpec(d.Spec, d.Metadata.Namespace);
            return new CanaryResource
            {
                Metadata = d.Metadata,
                Spec = spec,
                Status = d.ReadsStatus ? ManifestParser.ParseCanaryStatus(d.Status, spec.Analysis.Judge) : CanaryStatus.Empty,
            };
        },
        Write = (r, json) =>
        {
            var canary = (CanaryResource)r;
            json["spec"] = ResourceWriter.CanarySpecJson(canary.Spec);
            ResourceWriter.AddCanaryStatus(json, canary.Status);
        },
    };
}
