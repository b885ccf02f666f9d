using System.Net;
using Linnet.EndToEnd.Tests.Infrastructure;

namespace Linnet.EndToEnd.Tests;

/// <summary>Authorization through the real control plane: policy resources applied with the API reach the
/// workload's proxy, which then refuses what it served before.</summary>
public sealed class AuthorizationTests(ITestOutputHelper output)
{
    private const string Policy = """
        apiVersion: policy.linkerd.io/v1beta3
        kind: Server
        metadata: { name: backend-http }
        spec:
          podSelector: { matchLabels: { app: backend } }
          port: 8080
          proxyProtocol: HTTP/1
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: AuthorizationPolicy
        metadata: { name: web-to-backend }
        spec:
          targetRef: { group: policy.linkerd.io, kind: Server, name: backend-http }
          requiredAuthenticationRefs:
            - { group: policy.linkerd.io, kind: MeshTLSAuthentication, name: web }
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: MeshTLSAuthentication
        metadata: { name: web }
        spec:
          identities: ["web.default.serviceaccount.identity.linkerd.cluster.local"]

        """;

    [Fact]
    public async Task ApplyServerAndPolicy_PlaintextRequestServedBefore_RefusedWith403After()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ct);
        await mesh.ApplyAsync(Manifests.Join(Manifests.Service("backend", "{ app: backend }"), Manifests.Backend("backend", 1, "{ app: backend }", "1")), ct);
        var address = Assert.Single(await mesh.WaitForInstancesAsync(1, ct)).Address;
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var inbound = new Uri($"http://{address}:4143/");

        using var before = await client.GetAsync(inbound, ct);
        var revision = await mesh.ApplyAsync(Policy, ct);
        await mesh.WaitForConfigAsync([address], revision, TimeSpan.FromSeconds(15), ct);
        using var after = await client.GetAsync(inbound, ct);

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, after.StatusCode);
        Assert.Equal(
            "unauthorized: a client without an identity (plaintext) is not allowed by server 'backend-http'",
            Assert.Single(after.Headers.GetValues("l5d-proxy-error")));
        var metrics = await client.GetStringAsync(new Uri($"http://{address}:4191/metrics"), ct);
        Assert.Contains("inbound_http_authz_deny_total{", metrics, StringComparison.Ordinal);
        Assert.Contains("srv_name=\"backend-http\"", metrics, StringComparison.Ordinal);
        await mesh.DownAsync(ct);
    }
}
