using System.Net;
using Linnet.EndToEnd.Tests.Infrastructure;

namespace Linnet.EndToEnd.Tests;

/// <summary>Routes as users bring them — Gateway API <c>hostnames</c>, <c>URLRewrite</c>, <c>RequestRedirect</c>, and a
/// Linkerd <c>policy.linkerd.io/v1beta3</c> HTTPRoute — applied to the real control plane and obeyed by a real
/// proxy in front of real backends.</summary>
public sealed class RouteFilterTests(ITestOutputHelper output)
{
    private const string Routes = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: by-fqdn }
        spec:
          parentRefs: [ { name: backend, port: 80 } ]
          hostnames: [ backend.default.svc.cluster.local ]
          rules:
            - backendRefs: [ { name: backend-v2 } ]
        ---
        apiVersion: policy.linkerd.io/v1beta3
        kind: HTTPRoute
        metadata: { name: linkerd-style }
        spec:
          parentRefs: [ { name: backend, kind: Service, group: core, port: 80 } ]
          rules:
            - matches: [ { path: { value: /old } } ]
              filters:
                - type: RequestRedirect
                  requestRedirect: { scheme: https, statusCode: 301, path: { type: ReplacePrefixMatch, replacePrefixMatch: /new } }
            - backendRefs: [ { name: backend-v1, port: 80 } ]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: api-rewrite }
        spec:
          parentRefs: [ { name: backend } ]
          hostnames: [ backend ]
          rules:
            - matches: [ { path: { type: PathPrefix, value: /api } } ]
              filters:
                - type: URLRewrite
                  urlRewrite: { hostname: api.internal, path: { type: ReplacePrefixMatch, replacePrefixMatch: / } }
              backendRefs: [ { name: backend-v2 } ]

        """;

    [Fact]
    public async Task HostnamesRewriteRedirect_AppliedThroughControlPlane_ProxyObeysGatewayApi()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ct);
        await mesh.ApplyAsync(Manifests.Join(
            Manifests.Service("backend", "{ app: backend }"),
            Manifests.Service("backend-v1", "{ app: backend, version: v1 }"),
            Manifests.Service("backend-v2", "{ app: backend, version: v2 }"),
            TrafficApp.Workload("backend-v1", 1, "{ app: backend, version: v1 }", "1", "backend"),
            TrafficApp.Workload("backend-v2", 1, "{ app: backend, version: v2 }", "2", "backend"),
            Routes), ct);
        var proxy = (await mesh.WaitForInstancesAsync(2, ct))[0].Address;
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(10) };
        (string Host, string Target, string Expected)[] cases =
        [
            // The route for the FQDN only.
            ("backend.default.svc.cluster.local", "/x", "200 v2 /x backend.default.svc.cluster.local"),
            ("backend.default.svc.cluster.local:80", "/api/a", "200 v2 /api/a backend.default.svc.cluster.local:80"),

            // "backend" (more specific than no hostnames): /api rewritten, prefix replaced by "/", Host replaced, query kept.
            ("backend", "/api/items?q=1", "200 v2 /items?q=1 api.internal"),
            ("backend", "/api", "200 v2 / api.internal"),

            // Not /api, or another host: the Linkerd route.
            ("backend", "/apis", "200 v1 /apis backend"),
            ("backend.default", "/api/items", "200 v1 /api/items backend.default"),
            ("backend", "/old/a/b?z=9", "301 https://backend/new/a/b?z=9"),
        ];

        var actual = new List<string>();
        foreach (var (host, target, _) in cases)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://{proxy}:4140{target}"));
            request.Headers.Host = host;
            try
            {
                using var response = await http.SendAsync(request, ct);
                var body = (await response.Content.ReadAsStringAsync(ct)).Trim().Split(' ');
                actual.Add(response.StatusCode == HttpStatusCode.MovedPermanently
                    ? $"301 {response.Headers.Location?.OriginalString}"
                    : $"{(int)response.StatusCode} {body[^1]} {Header(response, "x-e2e-path")} {Header(response, "x-e2e-host")}");
            }
            catch (HttpRequestException ex)
            {
                // Recorded, so that one failing case does not hide what the others did.
                actual.Add($"{host}{target}: {ex.Message} {ex.InnerException?.Message}");
            }
            catch (TaskCanceledException ex) when (!ct.IsCancellationRequested)
            {
                actual.Add($"{host}{target}: {ex.Message} {ex.InnerException?.InnerException?.InnerException?.Message}");
            }
        }

        Assert.Equal(cases.Select(c => c.Expected), actual);

        // linnet apply: an annotation in Linnet's domains without effect is a warning, in tables and in JSON.
        var file = Path.Combine(Path.GetTempPath(), $"linnet-e2e-{Guid.NewGuid().ToString("N")[..12]}-ghost.yaml");
        await File.WriteAllTextAsync(file, """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: { name: ghost, annotations: { config.linkerd.io/proxy-cpu-limit: "1" } }
            spec:
              parentRefs: [ { name: ghost } ]
              rules:
                - backendRefs: [ { name: backend-v1 } ]

            """, ct);
        try
        {
            var table = await mesh.RunCliAsync(ct, "apply", "-f", file);
            var json = await mesh.RunCliAsync(ct, "apply", "-f", file, "-o", "json");
            var warning = $"warning: {file}: document 1 (HTTPRoute/ghost): metadata.annotations[config.linkerd.io/proxy-cpu-limit]: is not an annotation Linnet understands, so it has no effect";

            Assert.Equal(0, table.ExitCode);
            Assert.Contains(warning, table.Output.Split('\n', StringSplitOptions.TrimEntries));
            Assert.Equal(0, json.ExitCode);
            Assert.Contains("\"warnings\": [", json.Output, StringComparison.Ordinal);
            Assert.Contains("\"path\": \"metadata.annotations[config.linkerd.io/proxy-cpu-limit]\"", json.Output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }

        // Status from the route status controller: the missing parent is said, the resolved backend too.
        System.Text.Json.Nodes.JsonNode? status = null;
        await Eventually.UntilAsync(
            async () =>
            {
                var get = await mesh.RunCliAsync(ct, "get", "httproute", "ghost", "-o", "json");
                Assert.Equal(0, get.ExitCode);
                status = System.Text.Json.Nodes.JsonNode.Parse(get.Output)?["status"];
                return status is not null;
            },
            TimeSpan.FromSeconds(30),
            "ghost's status in linnet get",
            ct);
        var conditions = status!["parents"]![0]!["conditions"]!.AsArray().Select(c => $"{c!["type"]} {c["status"]} {c["reason"]}");
        Assert.Equal(["Accepted False NoMatchingParent", "ResolvedRefs True ResolvedRefs"], conditions);
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : "-";
}
