using System.Net;
using Linnet.EndToEnd.Tests.Infrastructure;

namespace Linnet.EndToEnd.Tests;

/// <summary>The inbound mode per workload (<c>config.linnet.io/inbound-tls</c>): a strict workload's proxy
/// accepts only client proxies' mTLS, a permissive one plaintext too.</summary>
public sealed class StrictInboundTests(ITestOutputHelper output)
{
    private static readonly TimeSpan RawTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task StrictWorkload_PlaintextClientRefusedMeshedClientServed_PermissiveServesPlaintext()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ct);
        await mesh.ApplyAsync(
            Manifests.Join(
                MeshedWorkloads.Service("locked"),
                MeshedWorkloads.Workload("locked", "locked", inboundTls: "strict", logRequests: true),
                MeshedWorkloads.Workload("open", "open", inboundTls: "permissive", logRequests: true),
                MeshedWorkloads.Workload("caller", "caller")),
            ct);
        var instances = (await mesh.WaitForInstancesAsync(3, ct)).ToDictionary(i => i.Workload, i => i.Address);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(15) };

        // A plaintext client straight at each proxy's inbound port (as an unmeshed app on the host would).
        var (toLocked, _) = await RawHttp.ExchangeAsync(instances["locked"], 4143, "locked", "/?from=plaintext", RawTimeout, ct);
        var (toOpen, _) = await RawHttp.ExchangeAsync(instances["open"], 4143, "open", "/?from=plaintext", RawTimeout, ct);

        // A meshed client: the caller's proxy takes the request (outbound, routed by Host) across mTLS.
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://{instances["caller"]}:4140/?from=caller"));
        request.Headers.Host = "locked";
        using var meshed = await http.SendAsync(request, ct);
        var meshedBody = await meshed.Content.ReadAsStringAsync(ct);

        Assert.Equal("", toLocked);
        Assert.StartsWith("HTTP/1.1 200 OK", toOpen, StringComparison.Ordinal);
        Assert.Contains("backend open-0 v1", toOpen, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, meshed.StatusCode);
        Assert.Equal("backend locked-0 v1", meshedBody.Trim());

        // The strict app saw the meshed request only; the permissive one saw the plaintext one.
        // (The plaintext attempt came first: had it reached the app, its line would precede the caller's.)
        var lockedLog = await MeshedWorkloads.AppLogWithAsync(mesh, "locked-0", "request GET /?from=caller", 1, ct);
        Assert.DoesNotContain("from=plaintext", lockedLog, StringComparison.Ordinal);
        await MeshedWorkloads.AppLogWithAsync(mesh, "open-0", "request GET /?from=plaintext", 1, ct);

        var callerTls = $"tls=\"true\",client_id=\"{MeshedWorkloads.Identity("caller")}\"";
        var locked = await MetricsScrape.ReadWhenAsync(
            http,
            instances["locked"],
            m => m.Sum("proxy_error_total", "reason=\"plaintext_refused\"") >= 1 && m.Sum("response_total", "direction=\"inbound\"", callerTls) >= 1,
            "the refusal and the caller's response",
            ct);
        Assert.Equal(1, locked.Sum("proxy_error_total", "direction=\"inbound\"", "reason=\"plaintext_refused\""));
        Assert.Equal(1, locked.Sum("request_total", "direction=\"inbound\"", callerTls));
        Assert.Empty(locked.Series("request_total", "direction=\"inbound\"", "tls=\"no_identity\""));
        var open = await MetricsScrape.ReadWhenAsync(http, instances["open"], m => m.Sum("response_total", "direction=\"inbound\"", "tls=\"no_identity\"") >= 1, "the plaintext response", ct);
        Assert.Equal(1, open.Sum("request_total", "direction=\"inbound\"", "tls=\"no_identity\""));
        Assert.Equal(0, open.Sum("proxy_error_total", "reason=\"plaintext_refused\""));
        await mesh.DownAsync(ct);
    }
}
