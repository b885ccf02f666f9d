using System.Globalization;
using System.Net;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Testing;

namespace Linnet.Proxy.Tests.Identity;

/// <summary>The real proxy executable getting its certificate from the real CA: ready only once it holds one,
/// and renewing short-lived certificates again and again.</summary>
public sealed class IdentityProcessTests
{
    private const string Web = "spiffe://cluster.local/ns/shop/sa/web";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Proxy_TokenWrittenLate_ReadyOnlyAfterCertificate()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var ca = await TestCa.StartAsync(TimeSpan.FromHours(24), ct);
        var (yaml, admin) = Config(ca);
        await using var proxy = await ProxyProcess.StartAsync(yaml, admin, cancellationToken: ct);
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };

        // Up (the admin listener answers) but without a certificate: the token does not exist yet.
        await proxy.Process.WaitForOutputAsync("identity: certificate request failed", ProxyProcess.StartTimeout, ct);
        using (var notReady = await client.GetAsync(new Uri(proxy.AdminUri, "/ready"), ct))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
            Assert.Equal("not ready: no certificate yet\n", await notReady.Content.ReadAsStringAsync(ct));
        }

        Assert.Contains("does not exist", proxy.Process.Output, StringComparison.Ordinal);
        ca.WriteToken("token");

        await proxy.WaitUntilReadyAsync(ct);
        var scrape = await proxy.ScrapeAsync(ct);
        Assert.Equal(1, scrape.Sum("identity_cert_refresh_count"));
        Assert.True(scrape.Sum("identity_cert_expiration_timestamp_seconds") > DateTimeOffset.UnixEpoch.AddYears(50).ToUnixTimeSeconds());
        Assert.Contains($"identity {Web}: certificate valid until", proxy.Process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Proxy_TenSecondCertificates_RefreshedSeveralTimesExpirationMovesForward()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var ca = await TestCa.StartAsync(TimeSpan.FromSeconds(10), ct);
        ca.WriteToken("token");
        var (yaml, admin) = Config(ca);
        await using var proxy = await ProxyProcess.StartAsync(yaml, admin, cancellationToken: ct);
        await proxy.WaitUntilReadyAsync(ct);

        var expirations = new List<double>();
        var refreshes = 0.0;
        await ProxyProcess.WaitUntilAsync(
            async () =>
            {
                var scrape = await proxy.ScrapeAsync(ct);
                refreshes = scrape.Sum("identity_cert_refresh_count");
                var expiration = scrape.Sum("identity_cert_expiration_timestamp_seconds");
                if (expirations.Count == 0 || expirations[^1] != expiration)
                {
                    expirations.Add(expiration);
                }

                return refreshes >= 4;
            },
            Deadline,
            "four certificates",
            ct);

        Assert.True(expirations.Count >= 3, $"expiration gauge values seen: {string.Join(", ", expirations)}");
        for (var i = 1; i < expirations.Count; i++)
        {
            Assert.True(expirations[i] > expirations[i - 1], $"expiration went from {expirations[i - 1]} to {expirations[i]}");
        }

        // Renewal happens before expiry: the proxy never stopped being ready.
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var ready = await client.GetAsync(new Uri(proxy.AdminUri, "/ready"), ct);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.DoesNotContain("certificate request failed", proxy.Process.Output, StringComparison.Ordinal);
    }

    private static (string Yaml, IPEndPoint Admin) Config(TestCa ca)
    {
        var admin = new IPEndPoint(IPAddress.Loopback, PortAllocator.GetFreeTcpPort());
        var anchors = string.Concat(ca.Identity.TrustAnchorsPem.Split('\n').Where(l => l.Length > 0).Select(l => $"    {l}\n"));
        var yaml = string.Create(CultureInfo.InvariantCulture, $$"""
            workload: {namespace: shop, name: web, pod: web-0}
            inbound: {listen: "127.0.0.1:0", appPort: 9}
            outbound: {listen: "127.0.0.1:0"}
            admin: {listen: "{{admin}}"}
            transparent: false
            identity:
              name: {{Web}}
              caAddress: "{{ca.Address}}"
              tokenFile: "{{ca.PathOf("token")}}"
              trustAnchorsPem: |
            {{anchors}}
            """);
        return (yaml, admin);
    }
}
