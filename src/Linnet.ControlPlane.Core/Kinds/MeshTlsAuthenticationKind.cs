using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Kinds;

/// <summary>The <c>MeshTLSAuthentication</c> kind (Linkerd's <c>policy.linkerd.io</c>).</summary>
internal static class MeshTlsAuthenticationKind
{
    public static ResourceKind Definition { get; } = new()
    {
        Name = MeshTlsAuthenticationResource.KindName,
        Plural = "meshtlsauthentications",
        ShortNames = ["meshtlsauthn"],
        ApiVersions = ["policy.linkerd.io/v1alpha1"],
        Spec = KindSchema.Fields(
            ("identities", KindSchema.Array(KindSchema.Text(), "Identities (or patterns with *) of authenticated clients.")),
            ("identityRefs", KindSchema.Array(KindSchema.Fields(("group", KindSchema.Text()), ("kind", KindSchema.Text()), ("name", KindSchema.Text()), ("namespace", KindSchema.Text())).Requiring("kind")))),
        Read = d => ManifestParser.ReadPolicySpec(d, (m, spec) => new MeshTlsAuthenticationResource { Metadata = m, Spec = ManifestParser.ParseMeshTlsSpec(spec, m.Namespace) }),
        Write = (r, json) => json["spec"] = ResourceWriter.Spec(((MeshTlsAuthenticationResource)r).Spec),
    };
}
