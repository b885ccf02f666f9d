using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Linnet.Api.Security;

namespace Linnet.Platform.Kubernetes.Admission;

/// <summary>How the control plane serves the proxy injector on a cluster: its serving certificate (the
/// <c>linnet-proxy-injector-tls</c> Secret, whose CA is the webhook configuration's caBundle), where it listens and
/// the images and default inbound policy it injects.</summary>
public sealed record ProxyInjectorOptions
{
    /// <summary>The serving certificate with its key.</summary>
    public required X509Certificate2 Certificate { get; init; }

    /// <summary>Where to listen (every address, 8443).</summary>
    public IPEndPoint EndPoint { get; init; } = new(IPAddress.Any, InstallNames.InjectorPort);

    /// <summary>The proxy image injected.</summary>
    public required string ProxyImage { get; init; }

    /// <summary>The proxy-init image injected (Linkerd's by default).</summary>
    public string InitImage { get; init; } = Linnet.Platform.Kubernetes.Injection.InjectionSettings.DefaultInitImage;

    /// <summary>The control plane's mesh-wide default inbound policy, written into the config of proxies whose pod
    /// and namespace set no <c>config.linkerd.io/default-inbound-policy</c>.</summary>
    public string DefaultInboundPolicy { get; init; } = Linnet.Api.Policy.DefaultInboundPolicies.AllUnauthenticated;

    /// <summary>Reads the certificate and its key from PEM files; the key file must be owner-only.</summary>
    /// <exception cref="InvalidOperationException">With the file and what is wrong with it.</exception>
    public static X509Certificate2 LoadCertificate(string certificateFile, string keyFile)
    {
        ArgumentNullException.ThrowIfNull(certificateFile);
        ArgumentNullException.ThrowIfNull(keyFile);
        try
        {
            OwnerOnlyFile.Require(keyFile, $"{keyFile} must be readable by its owner only ({OwnerOnlyFile.Modes}; the install mounts its Secret 0440 in the control plane's group)");
            var certificate = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
            if (!certificate.HasPrivateKey)
            {
                certificate.Dispose();
                throw new InvalidOperationException($"{keyFile} holds no private key for {certificateFile}");
            }

            return certificate;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new InvalidOperationException($"cannot read the injector's certificate ({certificateFile}, {keyFile}): {ex.Message}", ex);
        }
    }
}
