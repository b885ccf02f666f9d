using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Proto = Linnet.Api.Identity.V1;
using Linnet.Proxy.Identity;

namespace Linnet.Proxy.ControlPlane;

/// <summary>Keeps <see cref="ProxyIdentity"/> filled: generates a P-256 key in memory (it is never written
/// anywhere), sends a CSR for the configured SPIFFE id with the token read from the token file (anew each
/// time, so a replaced token is used at the next renewal) to the CA's <c>Certify</c>, and renews at about 70 %
/// of the certificate's life. A failed request keeps the current certificate and is retried with backoff.
/// With a fixed certificate file configured, loads that instead and never calls the CA.</summary>
internal sealed partial class CertificateRenewalService : BackgroundService
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    private readonly IdentityBootstrapConfig _config;
    private readonly ProxyIdentity _identity;
    private readonly IdentityMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IdentityRenewalPolicy _policy;
    private readonly string? _caAddress;
    private readonly BootstrapConfig _bootstrap;
    private int _failures;

    public CertificateRenewalService(BootstrapConfig bootstrap, ProxyIdentity identity, IdentityMetrics metrics, TimeProvider time, ILogger<CertificateRenewalService> logger)
        : this(bootstrap, identity, metrics, time, logger, new IdentityRenewalPolicy(new Random()))
    {
    }

    internal CertificateRenewalService(BootstrapConfig bootstrap, ProxyIdentity identity, IdentityMetrics metrics, TimeProvider time, ILogger logger, IdentityRenewalPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(bootstrap);
        _config = bootstrap.Identity ?? throw new ArgumentException("the bootstrap config has no identity", nameof(bootstrap));
        _identity = identity;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _policy = policy;
        _caAddress = _config.CaAddress ?? bootstrap.ControlPlaneAddress;
        _bootstrap = bootstrap;
    }

    /// <summary>The wait before the next request, once scheduled (for tests and diagnostics).</summary>
    internal TimeSpan? NextAttemptIn { get; private set; }

    /// <summary>How many requests in a row have failed (0 after a success).</summary>
    internal int ConsecutiveFailures => Volatile.Read(ref _failures);

    /// <summary>Why the last request failed ("" before any failure).</summary>
    internal string LastFailure { get; private set; } = "";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_config.CertificatePemPath is not null)
        {
            LoadFixed();
            return;
        }

        if (_caAddress is null)
        {
            Log.NoCa(_logger);
            return;
        }

        X509Certificate2Collection anchors;
        try
        {
            anchors = IdentityFiles.TrustAnchors(_config.TrustAnchorsPem);
        }
        catch (CryptographicException ex)
        {
            Log.BadAnchors(_logger, ex.Message);
            return;
        }

        // Over TLS, the CA proven to be the control plane before the token leaves: the token is a bearer
        // credential, and a spoofed CA must not collect it.
        using var channel = GrpcChannel.ForAddress(new Uri($"https://{_caAddress}"), new GrpcChannelOptions
        {
            HttpHandler = new ControlPlaneTls(_bootstrap, _metrics, _time, _logger).CreateHandler("identity", null),
            DisposeHttpClient = true,
        });
        var client = new Proto.Identity.IdentityClient(channel);
        Log.Starting(_logger, _config.Name, _caAddress);
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan delay;
            try
            {
                var material = await CertifyAsync(client, anchors, stoppingToken);
                var receivedAt = _time.GetUtcNow();
                // Counted before it is published: whoever sees the new certificate (readiness, a scrape) sees it counted.
                _metrics.Refreshed(material.NotAfter);
                _identity.Update(material);
                Volatile.Write(ref _failures, 0);
                delay = _policy.RenewAfter(receivedAt, material.NotAfter);
                Log.Obtained(_logger, material.Name, material.NotAfter, (long)delay.TotalMilliseconds);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is RpcException or IOException or UnauthorizedAccessException or CryptographicException or HttpRequestException or SocketException or InvalidDataException)
            {
                LastFailure = Reason(ex);
                var failures = Interlocked.Increment(ref _failures);
                delay = _policy.RetryAfter(failures);
                var current = _identity.Current;
                Log.Failed(_logger, LastFailure, failures, (long)delay.TotalMilliseconds, current is null ? "none yet" : $"valid until {current.NotAfter:u}");
            }

            NextAttemptIn = delay;
            try
            {
                await Task.Delay(delay, _time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static string Reason(Exception ex) => ex switch
    {
        // The CA's reason is the status detail: exactly why it refused.
        RpcException rpc => $"{rpc.StatusCode}: {rpc.Status.Detail}",
        _ => ex.Message,
    };

    private async Task<IdentityMaterial> CertifyAsync(Proto.Identity.IdentityClient client, X509Certificate2Collection anchors, CancellationToken cancellationToken)
    {
        var token = await ReadTokenAsync(cancellationToken);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName(""), key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(_config.Name));
        request.CertificateExtensions.Add(san.Build(critical: true));
        var csr = request.CreateSigningRequest();

        var response = await client.CertifyAsync(
            new Proto.CertifyRequest
            {
                Identity = _config.Name,
                Token = ByteString.CopyFromUtf8(token),
                CertificateSigningRequest = ByteString.CopyFrom(csr),
            },
            deadline: _time.GetUtcNow().UtcDateTime + CallTimeout,
            cancellationToken: cancellationToken);

        using var issued = X509CertificateLoader.LoadCertificate(response.LeafCertificate.Span);
        using (var issuedKey = issued.GetECDsaPublicKey())
        {
            if (issuedKey is null || !issuedKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
            {
                throw new InvalidDataException("the CA returned a certificate for another key");
            }
        }

        var uris = SpiffeUris.Of(issued);
        if (uris.Count != 1 || uris[0] != _config.Name)
        {
            throw new InvalidDataException($"the CA returned a certificate for {string.Join(", ", uris)}, not {_config.Name}");
        }

        var intermediates = new X509Certificate2Collection();
        foreach (var der in response.IntermediateCertificates)
        {
            intermediates.Add(X509CertificateLoader.LoadCertificate(der.Span));
        }

        return new IdentityMaterial(_config.Name, issued.CopyWithPrivateKey(key), intermediates, anchors);
    }

    private async Task<string> ReadTokenAsync(CancellationToken cancellationToken)
    {
        if (_config.TokenPath is null)
        {
            throw new InvalidDataException("no token file is configured (identity.tokenFile)");
        }

        try
        {
            var token = (await File.ReadAllTextAsync(_config.TokenPath, cancellationToken)).Trim();
            return token.Length > 0 ? token : throw new InvalidDataException($"the token file {_config.TokenPath} is empty");
        }
        catch (FileNotFoundException)
        {
            throw new InvalidDataException($"the token file {_config.TokenPath} does not exist");
        }
    }

    private void LoadFixed()
    {
        try
        {
            var material = IdentityFiles.LoadFixed(_config);
            _metrics.Refreshed(material.NotAfter);
            _identity.Update(material);
            Log.LoadedFixed(_logger, material.Name, _config.CertificatePemPath!, material.NotAfter);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            Log.FixedFailed(_logger, _config.CertificatePemPath!, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(501, LogLevel.Information, "identity {Name}: certificates from the CA at {Address}")]
        public static partial void Starting(ILogger logger, string name, string address);

        [LoggerMessage(502, LogLevel.Information, "identity {Name}: certificate valid until {NotAfter:u}; renewing in {DelayMs} ms")]
        public static partial void Obtained(ILogger logger, string name, DateTimeOffset notAfter, long delayMs);

        [LoggerMessage(503, LogLevel.Warning, "identity: certificate request failed ({Reason}); attempt {Failures}, retrying in {DelayMs} ms; current certificate: {Current}")]
        public static partial void Failed(ILogger logger, string reason, int failures, long delayMs, string current);

        [LoggerMessage(504, LogLevel.Error, "identity: no CA address (identity.caAddress or controlPlane.address); the proxy will not become ready")]
        public static partial void NoCa(ILogger logger);

        [LoggerMessage(505, LogLevel.Error, "identity: trust anchors unusable: {Reason}; the proxy will not become ready")]
        public static partial void BadAnchors(ILogger logger, string reason);

        [LoggerMessage(506, LogLevel.Information, "identity {Name}: fixed certificate from {Path}, valid until {NotAfter:u}")]
        public static partial void LoadedFixed(ILogger logger, string name, string path, DateTimeOffset notAfter);

        [LoggerMessage(507, LogLevel.Error, "identity: cannot load the fixed certificate {Path}: {Reason}; the proxy will not become ready")]
        public static partial void FixedFailed(ILogger logger, string path, string reason);
    }
}
