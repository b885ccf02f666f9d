using Linnet.ControlPlane.Core.Manifests;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Kinds;

/// <summary>The <c>Server</c> kind (Linkerd's <c>policy.linkerd.io</c>).</summary>
internal static class ServerKind
{
    public static ResourceKind Definition { get; } = new()
    {
        Name = ServerResource.KindName,
        Plural = "servers",
        ShortNames = ["srv"],
        ApiVersions = ["policy.linkerd.io/v1beta3", "policy.linkerd.io/v1beta2", "policy.linkerd.io/v1beta1"],
        Spec = KindSchema.Fields(
            ("podSelector", KindSchema.Open("matchLabels and matchExpressions; {} selects every pod of the namespace.")),
            ("port", KindSchema.PortOrName("A port number or a container port's name.")),
            ("proxyProtocol", KindSchema.OneOf(ManifestParser.ProxyProtocols)),
            ("accessPolicy", KindSchema.Text("What traffic no AuthorizationPolicy allows gets (default deny)."))).Requiring("port"),
        Read = d => ManifestParser.ReadPolicySpec(d, (m, spec) => new ServerResource { Metadata = m, Spec = ManifestParser.ParseServerSpec(spec) }),
        Write = (r, json) => json["spec"] = ResourceWriter.Spec(((ServerResource)r).Spec),
    };
}
