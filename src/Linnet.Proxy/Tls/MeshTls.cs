using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Identity;

namespace Linnet.Proxy.Tls;

/// <summary>The proxy's mTLS handshakes, both ends: TLS 1.3 only, our certificate from
/// <see cref="ProxyIdentity.Current"/> read once per handshake (so a rotation affects new handshakes and
/// never an open connection), the peer's chain checked against that material's trust anchors, and the
/// peer's SPIFFE identity read from its URI SAN. No session resumption: every connection proves its
/// identity with the certificates in effect when it was made.</summary>
internal sealed class MeshTls
{
    /// <summary>How long a handshake may take once connected.</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    private static readonly List<SslApplicationProtocol> ServerProtocols = [MeshAlpn.Http2, MeshAlpn.Transport];

    private readonly ProxyIdentity _identity;
    private readonly TimeProvider _time;
    private readonly TimeSpan _readyWait;
    private volatile CertificateContextCache? _context;

    public MeshTls(ProxyIdentity identity, BootstrapConfig config, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(config);
        _identity = identity;
        _time = time;
        _readyWait = config.DetectTimeout;
    }

    /// <summary>Whether this proxy speaks mTLS at all (it has an identity, or will have one).</summary>
    public bool Enabled => _identity.Enabled;

    /// <summary>The identity this proxy proves, once it holds a certificate.</summary>
    public string? LocalIdentity => _identity.Current?.Name;

    /// <summary>Server side: terminates a client proxy's TLS on <paramref name="inner"/> (owned by the result).</summary>
    /// <returns>The decrypted stream and the client's proved identity.</returns>
    /// <exception cref="MeshTlsException">No certificate held in time, or the client's certificate was refused.</exception>
    public async Task<(SslStream Stream, string ClientIdentity)> AcceptAsync(Stream inner, CancellationToken cancellationToken)
    {
        var material = await CurrentAsync(cancellationToken);
        var check = new PeerCertificateCheck(expected: null);
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = ContextFor(material),
            ClientCertificateRequired = true,
            EnabledSslProtocols = SslProtocols.Tls13,
            ApplicationProtocols = ServerProtocols,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            CertificateChainPolicy = ChainPolicy(material),
            AllowTlsResume = false,
            RemoteCertificateValidationCallback = check.Validate,
        };
        try
        {
            await ssl.AuthenticateAsServerAsync(options, cancellationToken);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            await ssl.DisposeAsync();
            throw new MeshTlsException($"TLS handshake with a client proxy failed: {check.Failure ?? ex.Message}", ex);
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }

        return (ssl, check.PeerIdentity!);
    }

    /// <summary>Client side: TLS to a server proxy over <paramref name="inner"/> (owned by the result), which
    /// must prove exactly <paramref name="expectedIdentity"/> and agree to <paramref name="protocol"/>.</summary>
    /// <param name="peer">The server's address, for error messages.</param>
    /// <exception cref="MeshTlsException">The handshake failed or the server is not who discovery said.</exception>
    public async Task<SslStream> ConnectAsync(Stream inner, string expectedIdentity, SslApplicationProtocol protocol, string peer, CancellationToken cancellationToken)
    {
        var material = await CurrentAsync(cancellationToken);
        var check = new PeerCertificateCheck(expectedIdentity);
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        var options = new SslClientAuthenticationOptions
        {
            // No SNI: the server proxy has one identity, and the client checks the URI SAN itself.
            TargetHost = string.Empty,
            ClientCertificateContext = ContextFor(material),
            EnabledSslProtocols = SslProtocols.Tls13,
            ApplicationProtocols = [protocol],
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            CertificateChainPolicy = ChainPolicy(material),
            AllowTlsResume = false,
            RemoteCertificateValidationCallback = check.Validate,
        };
        try
        {
            await ssl.AuthenticateAsClientAsync(options, cancellationToken);
            if (ssl.NegotiatedApplicationProtocol != protocol)
            {
                throw new MeshTlsException($"mTLS handshake with {peer} failed: the server did not agree to {protocol}");
            }
        }
        catch (MeshTlsException)
        {
            await ssl.DisposeAsync();
            throw;
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            await ssl.DisposeAsync();
            throw new MeshTlsException($"mTLS handshake with {peer} failed: {check.Failure ?? ex.Message}", ex);
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }

        return ssl;
    }

    // Until the first certificate arrives the proxy does not take part in mTLS: a handshake waits, bounded,
    // for it rather than fail at once while the proxy starts.
    private async ValueTask<IdentityMaterial> CurrentAsync(CancellationToken cancellationToken)
    {
        if (_identity.Current is { } current)
        {
            return current;
        }

        using var bound = new CancellationTokenSource(_readyWait, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(bound.Token, cancellationToken);
        try
        {
            await _identity.WhenReadyAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MeshTlsException("this proxy holds no certificate yet");
        }

        return _identity.Current ?? throw new MeshTlsException("this proxy holds no certificate yet");
    }

    // Building a certificate context walks the chain; do it once per material, not per handshake.
    private SslStreamCertificateContext ContextFor(IdentityMaterial material)
    {
        var cached = _context;
        if (cached is not null && ReferenceEquals(cached.Material, material))
        {
            return cached.Context;
        }

        var context = SslStreamCertificateContext.Create(material.Certificate, material.Intermediates, offline: true);
        _context = new CertificateContextCache(material, context);
        return context;
    }

    // A fresh policy per handshake: SslStream adds the peer's certificates to it.
    private static X509ChainPolicy ChainPolicy(IdentityMaterial material)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        policy.CustomTrustStore.AddRange(material.TrustAnchors);
        return policy;
    }

    private sealed record CertificateContextCache(IdentityMaterial Material, SslStreamCertificateContext Context);
}
