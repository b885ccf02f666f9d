using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Kinds;

/// <summary>The <c>AlertProvider</c> kind (Flagger's).</summary>
internal static class AlertProviderKind
{
    public static ResourceKind Definition { get; } = new()
    {
        Name = AlertProviderResource.KindName,
        Plural = "alertproviders",
        ApiVersions = [CanaryResource.FlaggerVersion],
        Spec = KindSchema.Fields(
            ("type", KindSchema.Text()), ("channel", KindSchema.Text()), ("username", KindSchema.Text()),
            ("address", KindSchema.Text()), ("proxy", KindSchema.Text()),
            ("secretRef", KindSchema.Fields(("name", KindSchema.Text())).Requiring("name"))).Requiring("type"),
        Read = d => d.Metadata is null ? null : new AlertProviderResource { Metadata = d.Metadata, Spec = ManifestParser.ParseAlertProviderSpec(d.Spec) },
        Write = (r, json) => json["spec"] = ResourceWriter.AlertProviderSpecJson(((AlertProviderResource)r).Spec),
    };
}
