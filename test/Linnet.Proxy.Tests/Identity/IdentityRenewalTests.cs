using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Linnet.ControlPlane.Core.Identity;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Identity;
using Linnet.Proxy.Telemetry;
using Linnet.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Linnet.Proxy.ControlPlane;

namespace Linnet.Proxy.Tests.Identity;

/// <summary>A real proxy (in process) obtaining and renewing its certificate from the real CA over gRPC.</summary>
public sealed class IdentityRenewalTests
{
    private const string Web = "spiffe://cluster.local/ns/shop/sa/web";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private static readonly HttpClient Admin = new(new SocketsHttpHandler { UseProxy = false });

    [Fact]
    public async Task Start_ValidToken_HoldsCertificateForItsIdentityChainingToAnchor()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var ca = await TestCa.StartAsync(TimeSpan.FromHours(24), ct);
        ca.WriteToken("token");
        await using var proxy = await StartProxyAsync(ca, "token");
        var identity = proxy.Host.Services.GetRequiredService<ProxyIdentity>();

        await identity.WhenReadyAsync(ct).WaitAsync(Deadline, ct);

        var material = identity.Current!;
        Assert.Equal(Web, material.Name);
        Assert.True(material.Certificate.HasPrivateKey);
        Assert.Equal([Web], SpiffeUris.Of(material.Certificate));
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(material.TrustAnchors);
        chain.ChainPolicy.ExtraStore.AddRange(material.Intermediates);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(material.Certificate), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        var scrape = await proxy.ScrapeAsync();
        Assert.Equal(1, scrape.Sum("identity_cert_refresh_count"));
        Assert.Equal(ToUnix(material.NotAfter), scrape.Sum("identity_cert_expiration_timestamp_seconds"));
    }

    [Fact]
    public async Task Ready_TokenFileWrittenLate_NotReadyUntilCertificateHeld()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var ca = await TestCa.StartAsync(TimeSpan.FromHours(24), ct);
        await using var proxy = await StartProxyAsync(ca, "late-token");
        var renewal = Renewal(proxy);

        // The first attempt fails (no token file) and schedules a retry: the proxy is up but not ready.
        await ProxyProcess.WaitUntilAsync(() => renewal.ConsecutiveFailures >= 1, Deadline, "a failed first attempt", ct);
        using (var notReady = await Admin.GetAsync(new Uri(proxy.AdminUri, "/ready"), ct))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
            Assert.Equal("not ready: no certificate yet\n", await notReady.Content.ReadAsStringAsync(ct));
        }

        Assert.Null(proxy.Host.Services.GetRequiredService<ProxyIdentity>().Current);
        ca.WriteToken("late-token");

        await ProxyProcess.WaitUntilAsync(
            async () =>
            {
                using var response = await Admin.GetAsync(new Uri(proxy.AdminUri, "/ready"), ct);
                return response.StatusCode == HttpStatusCode.OK;
            },
            Deadline,
            "/ready 200 once the token exists",
            ct);
        Assert.NotNull(proxy.Host.Services.GetRequiredService<ProxyIdentity>().Current);
    }

    [Fact]
    public async Task Renewal_TokenRevoked_KeepsCertificateRetriesAndRecoversWithNewToken()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var ca = await TestCa.StartAsync(TimeSpan.FromSeconds(10), ct);
        var tokenId = ca.WriteToken("token");
        await using var proxy = await StartProxyAsync(ca, "token");
        var identity = proxy.Host.Services.GetRequiredService<ProxyIdentity>();
        var metrics = proxy.Host.Services.GetRequiredService<IdentityMetrics>();
        var renewal = Renewal(proxy);
        await identity.WhenReadyAsync(ct).WaitAsync(Deadline, ct);
        var first = identity.Current!;

        ca.Identity.Tokens.Revoke(tokenId);

        await ProxyProcess.WaitUntilAsync(() => renewal.ConsecutiveFailures >= 2, Deadline, "two failed renewals", ct);
        Assert.Same(first, identity.Current);
        Assert.Equal(1, metrics.Refreshes);
        Assert.Contains($"token {tokenId} is revoked", renewal.LastFailure, StringComparison.Ordinal);

        ca.WriteToken("token");

        await ProxyProcess.WaitUntilAsync(() => !ReferenceEquals(identity.Current, first), Deadline, "a new certificate after the new token", ct);
        Assert.Equal(2, metrics.Refreshes);
        Assert.Equal(0, renewal.ConsecutiveFailures);
        Assert.True(identity.Current!.NotAfter > first.NotAfter);
    }

    [Fact]
    public async Task Start_FixedCertificateFiles_LoadsChainWithoutCa()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var ca = await TestCa.StartAsync(TimeSpan.FromHours(24), ct);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName(""), key, HashAlgorithmName.SHA256);
        var issued = ca.Identity.Certify(ca.Identity.Tokens.Create("shop", "web").Token, Web, request.CreateSigningRequest());
        Assert.True(issued.IsIssued, issued.Reason);
        var chainPem = Pem(issued.Leaf) + string.Concat(issued.Intermediates.Select(Pem));
        await File.WriteAllTextAsync(ca.PathOf("cert.pem"), chainPem, ct);
        await File.WriteAllTextAsync(ca.PathOf("key.pem"), key.ExportPkcs8PrivateKeyPem(), ct);

        await using var proxy = await TestProxy.StartAsync(9, configure: b => b with
        {
            Identity = new IdentityBootstrapConfig
            {
                Name = Web,
                TrustAnchorsPem = ca.Identity.TrustAnchorsPem,
                CertificatePemPath = ca.PathOf("cert.pem"),
                KeyPemPath = ca.PathOf("key.pem"),
            },
        });
        var identity = proxy.Host.Services.GetRequiredService<ProxyIdentity>();
        await identity.WhenReadyAsync(ct).WaitAsync(Deadline, ct);

        Assert.Equal(issued.Leaf, identity.Current!.Certificate.RawData);
        Assert.True(identity.Current.Certificate.HasPrivateKey);
        Assert.Equal(issued.Intermediates[0], Assert.Single(identity.Current.Intermediates).RawData);
    }

    private static long ToUnix(DateTimeOffset time) => time.ToUnixTimeSeconds();

    private static CertificateRenewalService Renewal(TestProxy proxy) =>
        proxy.Host.Services.GetServices<IHostedService>().OfType<CertificateRenewalService>().Single();

    private static Task<TestProxy> StartProxyAsync(TestCa ca, string tokenFile) =>
        TestProxy.StartAsync(9, configure: b => b with
        {
            Workload = new WorkloadInfo("shop", "web", "web-0"),
            Identity = new IdentityBootstrapConfig
            {
                Name = Web,
                TrustAnchorsPem = ca.Identity.TrustAnchorsPem,
                CaAddress = ca.Address,
                TokenPath = ca.PathOf(tokenFile),
            },
        });

    private static string Pem(byte[] der) => new string(PemEncoding.Write("CERTIFICATE", der)) + "\n";
}
