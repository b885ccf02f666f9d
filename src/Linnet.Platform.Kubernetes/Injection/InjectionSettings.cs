namespace Linnet.Platform.Kubernetes.Injection;

/// <summary>What the install decided that every injected proxy needs.</summary>
/// <param name="ProxyImage">The proxy's image (<c>repository:tag</c>).</param>
/// <param name="TrustDomain">The trust domain of workload identities.</param>
/// <param name="TrustAnchorsPem">The trust anchors the proxy checks peers and the control plane against.</param>
public sealed record InjectionSettings(string ProxyImage, string TrustDomain, string TrustAnchorsPem)
{
    /// <summary>Linkerd's proxy-init image, as Linkerd 2.19's chart pins it (<c>proxyInit.image</c>): the injected
    /// init container runs it with Linkerd's arguments. Linnet's proxy image has no iptables (it is built on
    /// runtime-deps), so its <c>linnet-proxy init</c> mode serves universal hosts, not pods.</summary>
    public const string DefaultInitImage = "cr.l5d.io/linkerd/proxy-init:v2.4.3";

    /// <summary>Linkerd's <c>proxyInit.ignoreInboundPorts</c> and <c>ignoreOutboundPorts</c>: Galera's ports.</summary>
    public const string DefaultSkipPorts = "4567,4568";

    /// <summary>Linkerd's proxy uid.</summary>
    public const int DefaultProxyUid = 2102;

    /// <summary>Linkerd's default opaque ports (server-speaks-first protocols: SMTP, MySQL, Galera, PostgreSQL,
    /// Redis, Elasticsearch, Memcached).</summary>
    public static readonly IReadOnlyList<int> DefaultOpaquePorts = [25, 587, 3306, 4444, 5432, 6379, 9300, 11211];

    /// <summary>proxy-init's image (<c>repository:tag</c>), unless a pod's <c>config.linkerd.io/init-image</c> or
    /// <c>init-image-version</c> says otherwise.</summary>
    public string InitImage { get; init; } = DefaultInitImage;

    /// <summary>The install's default inbound policy (Linkerd's <c>proxy.defaultInboundPolicy</c>), written into the
    /// config of a proxy whose pod and namespace set no <c>config.linkerd.io/default-inbound-policy</c>.</summary>
    public string DefaultInboundPolicy { get; init; } = Linnet.Api.Policy.DefaultInboundPolicies.AllUnauthenticated;

    /// <summary>The control plane's namespace.</summary>
    public string ControlPlaneNamespace { get; init; } = InstallNames.Namespace;

    /// <summary>The audience of the projected token the proxy proves its identity with.</summary>
    public string TokenAudience { get; init; } = Linnet.ControlPlane.Core.Identity.MeshIdentity.ServiceAccountTokenAudience;
}
