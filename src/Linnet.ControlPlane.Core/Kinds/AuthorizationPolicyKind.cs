using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Kinds;

/// <summary>The <c>AuthorizationPolicy</c> kind (Linkerd's <c>policy.linkerd.io</c>).</summary>
internal static class AuthorizationPolicyKind
{
    public static ResourceKind Definition { get; } = new()
    {
        Name = AuthorizationPolicyResource.KindName,
        Plural = "authorizationpolicies",
        ShortNames = ["authzpolicy"],
        ApiVersions = ["policy.linkerd.io/v1alpha1"],
        Spec = KindSchema.Fields(
            ("targetRef", KindSchema.Fields(("group", KindSchema.Text()), ("kind", KindSchema.Text()), ("name", KindSchema.Text()), ("namespace", KindSchema.Text())).Requiring("kind", "name")),
            ("requiredAuthenticationRefs", KindSchema.Array(KindSchema.Fields(("group", KindSchema.Text()), ("kind", KindSchema.Text()), ("name", KindSchema.Text()), ("namespace", KindSchema.Text())).Requiring("kind", "name")))).Requiring("targetRef", "requiredAuthenticationRefs"),
        Read = d => ManifestParser.ReadPolicySpec(d, (m, spec) => new AuthorizationPolicyResource { Metadata = m, Spec = ManifestParser.ParseAuthorizationPolicySpec(spec, m.Namespace) }),
        Write = (r, json) => json["spec"] = ResourceWriter.Spec(((AuthorizationPolicyResource)r).Spec),
    };
}
