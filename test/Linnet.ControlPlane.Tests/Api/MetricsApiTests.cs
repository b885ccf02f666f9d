using System.Net;
using System.Text.Json.Nodes;
using Linnet.ControlPlane.Tests.Infrastructure;

namespace Linnet.ControlPlane.Tests.Api;

/// <summary>The metrics endpoints: Prometheus service discovery of every proxy, and stat/edges/routes refusing
/// bad parameters with a 400 that names the parameter.</summary>
public sealed class MetricsApiTests : IAsyncLifetime
{
    private const string Instances = """
        apiVersion: linnet.io/v1alpha1
        kind: Instance
        metadata: { name: web-0, namespace: shop, labels: { app: web } }
        spec: { workload: web, address: 127.0.0.5, serviceAccount: web, ports: [8080], proxyInboundPort: 4143, proxyAdminPort: 4191, ready: true }
        ---
        apiVersion: linnet.io/v1alpha1
        kind: Instance
        metadata: { name: web-1, namespace: shop, labels: { app: web } }
        spec: { workload: web, address: 127.0.0.6, serviceAccount: web, ports: [8080], proxyInboundPort: 4143, proxyAdminPort: 4191, ready: false }
        ---
        apiVersion: linnet.io/v1alpha1
        kind: Instance
        metadata: { name: nometrics-0, namespace: shop, labels: { app: x } }
        spec: { workload: nometrics, address: 127.0.0.7, ports: [8080], proxyInboundPort: 4143, ready: true }
        """;

    private TestControlPlane _cp = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _cp = await TestControlPlane.StartAsync(Ct);

    public ValueTask DisposeAsync() => _cp.DisposeAsync();

    [Fact]
    public async Task Targets_Instances_OneHttpSdGroupPerProxyWithLinkerdTargetLabels()
    {
        await _cp.CommitAsStoreAsync(Instances, Ct);

        var (status, body) = await GetAsync("/api/v1/metrics/targets");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(
            """[{"targets":["127.0.0.5:4191"],"labels":{"namespace":"shop","deployment":"web","pod":"web-0"}},{"targets":["127.0.0.6:4191"],"labels":{"namespace":"shop","deployment":"web","pod":"web-1"}}]""",
            body.ToJsonString());
    }

    [Fact]
    public async Task Stat_WorkloadsWithoutTraffic_RowPerWorkloadMeshedCountsNoFigures()
    {
        await _cp.CommitAsStoreAsync(Instances, Ct);

        var (status, body) = await GetAsync("/api/v1/stat?resource=deploy&namespace=shop&window=30s");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(30, body["window"]!.GetValue<double>());
        var web = body["rows"]!.AsArray().Single(r => r!["name"]!.ToString() == "web")!;
        Assert.Equal((1, 2, 0.0), (web["meshedPods"]!.GetValue<int>(), web["pods"]!.GetValue<int>(), web["requests"]!.GetValue<double>()));
        Assert.Null(web["successRate"]);
    }

    [Theory]
    [InlineData("/api/v1/stat?window=abc", "window:")]
    [InlineData("/api/v1/stat?window=0s", "window:")]
    [InlineData("/api/v1/stat?window=16m", "window:")]
    [InlineData("/api/v1/stat?namespace=Bad_NS", "namespace:")]
    [InlineData("/api/v1/stat?resource=pods", "resource:")]
    [InlineData("/api/v1/stat?resource=au&name=no-port", "name:")]
    [InlineData("/api/v1/stat?from=a/b/c", "from:")]
    [InlineData("/api/v1/stat?resource=svc&to=web", "from and to apply to workloads only")]
    [InlineData("/api/v1/stat?from=web&to=api", "not both")]
    [InlineData("/api/v1/edges?window=-1s", "window:")]
    [InlineData("/api/v1/routes?workload=a%0Ab", "workload:")]
    public async Task Query_BadParameter_400NamingIt(string path, string expected)
    {
        var (status, body) = await GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(expected, body["error"]!.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain('\n', body["error"]!.ToString());
    }

    [Theory]
    [InlineData("/api/v1/metrics/targets")]
    [InlineData("/api/v1/stat")]
    [InlineData("/api/v1/edges")]
    [InlineData("/api/v1/routes")]
    public async Task Query_WithoutAdminCredential_401(string path)
    {
        using var response = await _cp.Anonymous.GetAsync(new Uri(path, UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private async Task<(HttpStatusCode Status, JsonNode Body)> GetAsync(string path)
    {
        using var response = await _cp.Http.GetAsync(new Uri(path, UriKind.Relative), Ct);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!);
    }
}
