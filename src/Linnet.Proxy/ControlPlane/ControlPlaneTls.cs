using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Identity;
using Linnet.Proxy.Telemetry;
using Linnet.Proxy.Tls;
using Microsoft.Extensions.Logging;

namespace Linnet.Proxy.ControlPlane;

/// <summary>How the proxy reaches the control plane: TLS 1.3, the server's certificate chained to the proxy's
/// trust anchors (nothing else: no system roots) and proving exactly the control plane's identity. The check
/// runs inside the handshake, so a server that fails it never receives a byte of HTTP — no token, no
/// subscription. Towards Destination the proxy presents its own current certificate.</summary>
internal sealed partial class ControlPlaneTls
{
    /// <summary>The service account and namespace of the control plane's identity (as the control plane names it).</summary>
    public const string DefaultIdentityPath = "/ns/linnet/sa/control-plane";

    private readonly X509Certificate2Collection _anchors;
    private readonly IdentityMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public ControlPlaneTls(BootstrapConfig bootstrap, IdentityMetrics metrics, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(bootstrap);
        var identity = bootstrap.Identity ?? throw new ArgumentException("the control plane is reached over TLS: the bootstrap config needs an identity (trust anchors)", nameof(bootstrap));
        _anchors = IdentityFiles.TrustAnchors(identity.TrustAnchorsPem);
        Expected = bootstrap.ControlPlaneIdentity ?? DefaultIdentity(identity.Name);
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    /// <summary>The identity the control plane must prove.</summary>
    public string Expected { get; }

    /// <summary><c>spiffe://&lt;trust domain of <paramref name="proxyIdentity"/>&gt;/ns/linnet/sa/control-plane</c>.</summary>
    public static string DefaultIdentity(string proxyIdentity)
    {
        ArgumentNullException.ThrowIfNull(proxyIdentity);
        const string scheme = "spiffe://";
        var end = proxyIdentity.IndexOf('/', scheme.Length);
        return proxyIdentity[..(end < 0 ? proxyIdentity.Length : end)] + DefaultIdentityPath;
    }

    /// <summary>A handler for a gRPC channel to the control plane; <paramref name="client"/> (Destination) is
    /// presented as the client certificate once it holds one.</summary>
    public SocketsHttpHandler CreateHandler(string api, ProxyIdentity? client)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
        var ssl = handler.SslOptions;
        ssl.EnabledSslProtocols = SslProtocols.Tls13;
        ssl.CertificateRevocationCheckMode = X509RevocationMode.NoCheck;
        ssl.CertificateChainPolicy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        ssl.CertificateChainPolicy.CustomTrustStore.AddRange(_anchors);
        ssl.RemoteCertificateValidationCallback = (sender, certificate, chain, errors) => Validate(api, sender, certificate, chain, errors);
        if (client is not null)
        {
            ssl.LocalCertificateSelectionCallback = (_, _, _, _, _) => client.Current?.Certificate!;
        }

        return handler;
    }

    private bool Validate(string api, object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        // Name mismatch concerns DNS names; the identity is the SPIFFE URI SAN, checked by PeerCertificateCheck.
        var check = new PeerCertificateCheck(Expected);
        if (check.Validate(sender, certificate, chain, errors & ~SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return true;
        }

        _metrics.ControlPlaneRefused(api);
        Log.Refused(_logger, api, check.Failure ?? "unknown", _time.GetUtcNow());
        return false;
    }

    private static partial class Log
    {
        [LoggerMessage(21, LogLevel.Error, "Refused the control plane ({Api} API): {Reason}; nothing was sent to it, the proxy keeps its current config (checked at {At:u})")]
        public static partial void Refused(ILogger logger, string api, string reason, DateTimeOffset at);
    }
}
