using System.Net;
using System.Security.Cryptography.X509Certificates;
using Linnet.Platform.Kubernetes.Injection;

namespace Linnet.Platform.Kubernetes.Admission;

/// <summary>How the proxy injector's admission webhook is served.</summary>
public sealed record InjectorWebhookOptions
{
    /// <summary>The largest AdmissionReview taken (the API server's own request limit is 3 MiB).</summary>
    public const long MaxRequestBytes = 3 * 1024 * 1024;

    /// <summary>Where to listen (8443 on every address in a pod).</summary>
    public IPEndPoint EndPoint { get; init; } = new(IPAddress.Any, InstallNames.InjectorPort);

    /// <summary>The serving certificate with its key (the <c>linnet-proxy-injector-tls</c> Secret).</summary>
    public required X509Certificate2 Certificate { get; init; }

    /// <summary>With them, callers must present a client certificate chaining to one (the API server's
    /// AdmissionConfiguration kubeconfig names it); without, any caller that completes TLS is answered.</summary>
    public X509Certificate2Collection? ClientCertificateAuthorities { get; init; }

    /// <summary>What every injected proxy needs.</summary>
    public required InjectionSettings Settings { get; init; }

    /// <summary>The annotations of a namespace by name (an informer's cache on the platform).</summary>
    public required Func<string, IReadOnlyDictionary<string, string>> NamespaceAnnotations { get; init; }
}
