using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Testing;

namespace Linnet.Proxy.Tests.Interception;

/// <summary>
/// Transparent interception for real, as Linkerd's proxy-init sets it up: the proxy runs inside a network
/// namespace (the "pod") as its own uid, the namespace's <c>nat OUTPUT</c> chain redirects TCP towards the
/// host-side address to the proxy's outbound port except for that uid, and a client in the namespace simply
/// connects to the backend's own address. Nothing names the backend in the proxy's config, so only
/// <c>SO_ORIGINAL_DST</c> can have told the proxy where to go.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class TransparentInterceptionTests
{
    private const int OutboundPort = 4140;
    private const int InboundPort = 4143;
    private const int AdminPort = 4191;
    private static readonly TimeSpan MetricsTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task OutboundHttp_ClientCallsBackendAddress_ProxyForwardsToOriginalDestination()
    {
        var ct = TestContext.Current.CancellationToken;
        await NetworkNamespace.RequireAsync(ct);
        var ns = await NetworkNamespace.CreateAsync(ct);
        try
        {
            await using var backend = HostSideServer.StartHttp(ns.HostAddress);
            var authority = backend.EndPoint.ToString();
            await using (var proxy = await StartProxyInAsync(ns, opaquePort: null, ct))
            using (var client = ns.CreateHttpClient())
            {
                using var response = await client.GetAsync(new Uri($"http://{authority}/intercepted"), ct);

                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal(HostSideServer.HttpBody, await response.Content.ReadAsStringAsync(ct));
                Assert.Equal("host-side", Assert.Single(response.Headers.GetValues("x-served-by")));
                var (requestLine, host) = Assert.Single(backend.Requests);
                Assert.Equal("GET /intercepted HTTP/1.1", requestLine);
                Assert.Equal(authority, host);
                // The backend's one connection came over the veth from the namespace, i.e. from the proxy
                // (uid 2102, exempt from redirection), not from the redirected client.
                Assert.Equal(ns.NamespaceAddress, Assert.Single(backend.Peers).Address);

                (string, string)[] outbound = [("direction", "outbound")];
                var scrape = await proxy.ScrapeWhenAsync(s => s.Sum("response_total", outbound) >= 1, MetricsTimeout, ct);
                Assert.Equal(1, scrape.Sum("request_total", outbound));
                // The authority is the original destination: no service in the config names it.
                Assert.Equal(1, scrape.Sum("request_total", [.. outbound, ("authority", authority)]));
                Assert.Equal(1, scrape.Sum("response_total", [.. outbound, ("authority", authority), ("status_code", "200"), ("classification", "success")]));
                Assert.Equal(1, scrape.Sum("tcp_open_total", [.. outbound, ("peer", "src")]));
                Assert.Equal(0, scrape.Sum("proxy_error_total", outbound));
                Assert.Equal(0, scrape.Sum("request_total", ("direction", "inbound")));
            }
        }
        finally
        {
            await DeleteAndAssertGoneAsync(ns, ct);
        }
    }

    [Fact]
    public async Task OutboundOpaque_ClientSendsToEchoAddress_BytesEchoedThroughProxy()
    {
        var ct = TestContext.Current.CancellationToken;
        await NetworkNamespace.RequireAsync(ct);
        var ns = await NetworkNamespace.CreateAsync(ct);
        try
        {
            await using var echo = HostSideServer.StartEcho(ns.HostAddress);
            await using var proxy = await StartProxyInAsync(ns, opaquePort: echo.EndPoint.Port, ct);
            var payload = TestPattern.Create(200_000);

            byte[] received;
            using (var socket = ns.CreateSocket())
            {
                await socket.ConnectAsync(echo.EndPoint, ct);
                await using var stream = new NetworkStream(socket, ownsSocket: false);
                var reading = ReadToEndAsync(stream, ct);
                await stream.WriteAsync(payload, ct);
                socket.Shutdown(SocketShutdown.Send);
                received = await reading;
            }

            Assert.Equal(payload.Length, received.Length);
            Assert.True(payload.AsSpan().SequenceEqual(received), "echoed bytes differ from the bytes sent");
            Assert.Equal(ns.NamespaceAddress, Assert.Single(echo.Peers).Address);

            (string, string)[] outbound = [("direction", "outbound")];
            var scrape = await proxy.ScrapeWhenAsync(s => s.Sum("tcp_close_total", [.. outbound, ("peer", "dst")]) >= 1, MetricsTimeout, ct);
            Assert.Equal(1, scrape.Sum("tcp_open_total", [.. outbound, ("peer", "dst")]));
            Assert.Equal(1, scrape.Sum("tcp_open_total", [.. outbound, ("peer", "src")]));
            Assert.Equal(payload.Length, scrape.Sum("tcp_write_bytes_total", [.. outbound, ("peer", "dst")]));
            Assert.Equal(payload.Length, scrape.Sum("tcp_read_bytes_total", [.. outbound, ("peer", "dst")]));
            // Listed as opaque, so never offered to HTTP detection.
            Assert.Equal(0, scrape.Sum("request_total", outbound));
            Assert.Equal(0, scrape.Sum("proxy_error_total", outbound));
        }
        finally
        {
            await DeleteAndAssertGoneAsync(ns, ct);
        }
    }

    private static async Task<ProxyProcess> StartProxyInAsync(NetworkNamespace ns, int? opaquePort, CancellationToken ct)
    {
        var inv = CultureInfo.InvariantCulture;
        var opaque = opaquePort is { } port ? string.Create(inv, $", opaquePorts: [{port}]") : "";
        var yaml = string.Create(inv, $$"""
            workload: {namespace: pod-ns, name: client, pod: client-0}
            inbound: {listen: "127.0.0.1:{{InboundPort}}", appPort: 8080}
            outbound: {listen: "127.0.0.1:{{OutboundPort}}"{{opaque}}}
            admin: {listen: "127.0.0.1:{{AdminPort}}"}
            transparent: true
            services:
              - key: "unrelated.test.svc.cluster.local:80"
                port: 80
                endpoints: [{address: 127.0.0.1, port: 9, weight: 1}]
            """);
        await ns.RedirectOutboundAsync(OutboundPort, NetworkNamespace.ProxyUid, ct);
        var dll = await ns.ProxyDllReadableByAsync(NetworkNamespace.ProxyUid, ct);
        var proxy = await ProxyProcess.StartAsync(
            yaml,
            new IPEndPoint(IPAddress.Loopback, AdminPort),
            ns.LauncherAs(NetworkNamespace.ProxyUid),
            dll,
            ns.ConnectAsync,
            ct);
        try
        {
            await proxy.WaitUntilReadyAsync(ct);
            return proxy;
        }
        catch
        {
            await proxy.DisposeAsync();
            throw;
        }
    }

    private static async Task<byte[]> ReadToEndAsync(NetworkStream stream, CancellationToken ct)
    {
        using var received = new MemoryStream();
        await stream.CopyToAsync(received, ct);
        return received.ToArray();
    }

    private static async Task DeleteAndAssertGoneAsync(NetworkNamespace ns, CancellationToken ct)
    {
        await ns.DisposeAsync();
        Assert.False(await NetworkNamespace.IsListedAsync(ns.Name, ct), $"namespace {ns.Name} is still listed by 'ip netns list'");
        Assert.False(await NetworkNamespace.LinkExistsAsync(ns.HostVeth, ct), $"veth {ns.HostVeth} still exists on the host");
    }
}
