using System.Net;
using Linnet.EndToEnd.Tests.Infrastructure;

namespace Linnet.EndToEnd.Tests;

/// <summary>Authorization by identity over real mTLS: the control plane issues <c>web</c> and <c>intruder</c>
/// certificates for their service accounts, their proxies call the protected workloads' proxies over mTLS,
/// and only the identity the MeshTLSAuthentication names gets through, for HTTP and for opaque TCP.</summary>
public sealed class MeshAuthorizationTests(ITestOutputHelper output)
{
    private const int Calls = 5;

    private static readonly TimeSpan RawTimeout = TimeSpan.FromSeconds(20);

    private static readonly string Web = MeshedWorkloads.Identity("web");
    private static readonly string Intruder = MeshedWorkloads.Identity("intruder");

    private static readonly string Policy = $$"""
        apiVersion: policy.linkerd.io/v1beta3
        kind: Server
        metadata: { name: backend-http }
        spec:
          podSelector: { matchLabels: { app: backend } }
          port: 8080
          proxyProtocol: HTTP/1
        ---
        apiVersion: policy.linkerd.io/v1beta3
        kind: Server
        metadata: { name: vault-tcp }
        spec:
          podSelector: { matchLabels: { app: vault } }
          port: 8080
          proxyProtocol: opaque
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: AuthorizationPolicy
        metadata: { name: web-to-backend }
        spec:
          targetRef: { group: policy.linkerd.io, kind: Server, name: backend-http }
          requiredAuthenticationRefs:
            - { group: policy.linkerd.io, kind: MeshTLSAuthentication, name: web-only }
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: AuthorizationPolicy
        metadata: { name: web-to-vault }
        spec:
          targetRef: { group: policy.linkerd.io, kind: Server, name: vault-tcp }
          requiredAuthenticationRefs:
            - { group: policy.linkerd.io, kind: MeshTLSAuthentication, name: web-only }
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: MeshTLSAuthentication
        metadata: { name: web-only }
        spec:
          identities: ["{{Web}}"]

        """;

    [Fact]
    public async Task MeshTlsAuthentication_WebAndIntruderOverMtls_OnlyWebReachesTheApps()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ct);
        await mesh.ApplyAsync(
            Manifests.Join(
                MeshedWorkloads.Service("backend"),
                MeshedWorkloads.Service("vault", opaque: true),
                MeshedWorkloads.Workload("backend", "backend", logRequests: true),
                MeshedWorkloads.Workload("vault", "vault", logRequests: true, opaque: true),
                MeshedWorkloads.Workload("web", "web"),
                MeshedWorkloads.Workload("intruder", "intruder"),
                Policy),
            ct);
        var instances = (await mesh.WaitForInstancesAsync(4, ct)).ToDictionary(i => i.Workload, i => i.Address);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(15) };

        // HTTP: each caller's request leaves through its own proxy (outbound, routed by Host), which calls the
        // backend's proxy over mTLS with the caller's certificate. The intruder goes first: had any of its
        // requests reached the app, its line would precede web's in the app's log.
        var intruderAnswers = new List<(HttpStatusCode Status, string? Error)>();
        for (var i = 0; i < Calls; i++)
        {
            intruderAnswers.Add(await GetAsync(http, instances["intruder"], "intruder", ct));
        }

        var webAnswers = new List<(HttpStatusCode Status, string? Error)>();
        for (var i = 0; i < Calls; i++)
        {
            webAnswers.Add(await GetAsync(http, instances["web"], "web", ct));
        }

        Assert.All(intruderAnswers, a => Assert.Equal((HttpStatusCode.Forbidden, $"unauthorized: identity '{Intruder}' is not allowed by server 'backend-http'"), a));
        Assert.All(webAnswers, a => Assert.Equal((HttpStatusCode.OK, (string?)null), a));
        var backendLog = await MeshedWorkloads.AppLogWithAsync(mesh, "backend-0", "request GET /?from=web", Calls, ct);
        Assert.Equal(Calls, MeshedWorkloads.CountLines(backendLog, "request GET /?from=web"));
        Assert.DoesNotContain("from=intruder", backendLog, StringComparison.Ordinal);

        var webTls = $"tls=\"true\",client_id=\"{Web}\"";
        var intruderTls = $"tls=\"true\",client_id=\"{Intruder}\"";
        var backend = await MetricsScrape.ReadWhenAsync(
            http,
            instances["backend"],
            m => m.Sum("response_total", "direction=\"inbound\"", webTls) >= Calls && m.Sum("inbound_http_authz_deny_total", intruderTls) >= Calls,
            "web's responses and intruder's denials",
            ct);
        Assert.Equal(Calls, backend.Sum("request_total", "direction=\"inbound\"", webTls));
        Assert.Equal(Calls, backend.Sum("response_total", "direction=\"inbound\"", webTls, "status_code=\"200\""));
        Assert.Equal(Calls, backend.Sum("inbound_http_authz_allow_total", webTls, "srv_name=\"backend-http\"", "authz_name=\"web-to-backend\""));
        Assert.Equal(Calls, backend.Sum("inbound_http_authz_deny_total", intruderTls, "srv_name=\"backend-http\""));
        Assert.Equal(0, backend.Sum("inbound_http_authz_allow_total", intruderTls));
        Assert.Equal(0, backend.Sum("inbound_http_authz_deny_total", webTls));
        Assert.Empty(backend.Series("request_total", "direction=\"inbound\"", "tls=\"no_identity\""));

        // The callers' proxies saw the backend's proxy prove the backend's identity.
        var serverTls = $"tls=\"true\",server_id=\"{MeshedWorkloads.Identity("backend")}\"";
        var web = await MetricsScrape.ReadWhenAsync(http, instances["web"], m => m.Sum("response_total", "direction=\"outbound\"", serverTls) >= Calls, "web's responses", ct);
        Assert.Equal(Calls, web.Sum("response_total", "direction=\"outbound\"", serverTls, "status_code=\"200\""));

        // Opaque TCP: the connection crosses the mesh as mTLS to the vault's proxy, which closes the intruder's
        // before the app sees a byte and relays web's.
        var vaultPort = await MeshedWorkloads.LocalPortAsync(mesh, http, "vault", ct);
        var (intruderReply, _) = await RawHttp.ExchangeAsync(instances["intruder"], vaultPort, "vault", "/?from=intruder", RawTimeout, ct);
        var (webReply, _) = await RawHttp.ExchangeAsync(instances["web"], vaultPort, "vault", "/?from=web", RawTimeout, ct);

        Assert.Equal("", intruderReply);
        Assert.StartsWith("HTTP/1.1 200 OK", webReply, StringComparison.Ordinal);
        Assert.Contains("backend vault-0 v1", webReply, StringComparison.Ordinal);
        var vaultLog = await MeshedWorkloads.AppLogWithAsync(mesh, "vault-0", "request GET /?from=web", 1, ct);
        Assert.Equal(1, MeshedWorkloads.CountLines(vaultLog, "request GET /?from=web"));
        Assert.DoesNotContain("from=intruder", vaultLog, StringComparison.Ordinal);
        var vault = await MetricsScrape.ReadWhenAsync(
            http,
            instances["vault"],
            m => m.Sum("inbound_tcp_authz_deny_total", intruderTls) >= 1 && m.Sum("inbound_tcp_authz_allow_total", webTls) >= 1,
            "the vault's decisions",
            ct);
        Assert.Equal(1, vault.Sum("inbound_tcp_authz_deny_total", intruderTls, "srv_name=\"vault-tcp\""));
        Assert.Equal(1, vault.Sum("inbound_tcp_authz_allow_total", webTls, "srv_name=\"vault-tcp\"", "authz_name=\"web-to-vault\""));
        Assert.Equal(0, vault.Sum("inbound_tcp_authz_allow_total", intruderTls));
        await mesh.DownAsync(ct);
    }

    private static async Task<(HttpStatusCode Status, string? Error)> GetAsync(HttpClient http, string caller, string from, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://{caller}:4140/?from={from}"));
        request.Headers.Host = "backend";
        using var response = await http.SendAsync(request, ct);
        return (response.StatusCode, response.Headers.TryGetValues("l5d-proxy-error", out var error) ? string.Join(", ", error) : null);
    }
}
