namespace Linnet.Platform.Kubernetes;

/// <summary>The names of what <c>linnet install</c> creates and what injection refers to, in one place.</summary>
public static class InstallNames
{
    /// <summary>The control plane's namespace.</summary>
    public const string Namespace = Linnet.ControlPlane.Core.Identity.MeshIdentity.ControlPlaneNamespace;

    /// <summary>The control plane's Deployment, ServiceAccount, ClusterRole and ClusterRoleBinding.</summary>
    public const string ControlPlane = "linnet-control-plane";

    /// <summary>The Service of the Destination and Identity gRPC APIs (port 8086).</summary>
    public const string DestinationService = "linnet-dst";

    /// <summary>The Service of the proxy injector (the admission webhook, 443 → 8443).</summary>
    public const string InjectorService = "linnet-proxy-injector";

    /// <summary>The MutatingWebhookConfiguration.</summary>
    public const string InjectorWebhookConfig = "linnet-proxy-injector-webhook-config";

    /// <summary>The webhook's name (a fully qualified name, as the API requires).</summary>
    public const string InjectorWebhook = "linnet-proxy-injector.linnet.io";

    /// <summary>The path the injector serves AdmissionReviews on.</summary>
    public const string InjectorPath = "/inject";

    /// <summary>The Secret with the trust anchor certificate (<c>ca.crt</c>; its key is not kept).</summary>
    public const string TrustAnchorSecret = "linnet-identity-trust-anchor";

    /// <summary>The Secret with the issuer certificate and key (<c>tls.crt</c>, <c>tls.key</c>, and <c>ca.crt</c>).</summary>
    public const string IssuerSecret = "linnet-identity-issuer";

    /// <summary>The Secret with the injector's serving certificate and key.</summary>
    public const string InjectorTlsSecret = "linnet-proxy-injector-tls";

    /// <summary>The label every object of the install carries.</summary>
    public const string PartOfLabel = "app.kubernetes.io/part-of";

    /// <summary>Its value.</summary>
    public const string PartOf = "linnet";

    /// <summary>The label naming a control-plane component (Linkerd's).</summary>
    public const string ComponentLabel = "linkerd.io/control-plane-component";

    /// <summary>Linkerd's namespace label that switches the admission webhooks off for a namespace.</summary>
    public const string AdmissionWebhooksLabel = "config.linkerd.io/admission-webhooks";

    /// <summary>The label Kubernetes puts on every namespace with its name.</summary>
    public const string NamespaceNameLabel = "kubernetes.io/metadata.name";

    /// <summary>The Destination and Identity gRPC port.</summary>
    public const int DestinationPort = 8086;

    /// <summary>The HTTP API port (served on the pod's loopback only).</summary>
    public const int ApiPort = 8084;

    /// <summary>The admission webhook's port.</summary>
    public const int InjectorPort = 8443;
}
