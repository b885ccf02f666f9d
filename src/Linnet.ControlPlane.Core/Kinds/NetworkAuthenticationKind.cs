using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Kinds;

/// <summary>The <c>NetworkAuthentication</c> kind (Linkerd's <c>policy.linkerd.io</c>).</summary>
internal static class NetworkAuthenticationKind
{
    public static ResourceKind Definition { get; } = new()
    {
        Name = NetworkAuthenticationResource.KindName,
        Plural = "networkauthentications",
        ShortNames = ["netauthn"],
        ApiVersions = ["policy.linkerd.io/v1alpha1"],
        Spec = KindSchema.Fields(
            ("networks", KindSchema.Array(KindSchema.Fields(("cidr", KindSchema.Text()), ("except", KindSchema.Array(KindSchema.Text()))).Requiring("cidr")))).Requiring("networks"),
        Read = d => ManifestParser.ReadPolicySpec(d, (m, spec) => new NetworkAuthenticationResource { Metadata = m, Spec = ManifestParser.ParseNetworkSpec(spec) }),
        Write = (r, json) => json["spec"] = ResourceWriter.Spec(((NetworkAuthenticationResource)r).Spec),
    };
}
