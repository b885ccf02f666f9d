using System.Net;
using Linnet.EndToEnd.Tests.Infrastructure;

namespace Linnet.EndToEnd.Tests;

/// <summary>An HTTPRoute with query-parameter and method matches, applied to the real control plane, is obeyed
/// by a real proxy; an invalid route is rejected whole by <c>linnet apply</c> with every field at fault.</summary>
public sealed class RouteMatchTests(ITestOutputHelper output)
{
    private const string Route = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: backend-match }
        spec:
          parentRefs: [ { name: backend } ]
          rules:
            - matches: [ { queryParams: [ { name: tenant, value: acme } ] } ]
              backendRefs: [ { name: backend-v2 } ]
            - matches: [ { method: DELETE } ]
              backendRefs: [ { name: backend-v2 } ]
            - backendRefs: [ { name: backend-v1 } ]

        """;

    private const string InvalidRoute = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: backend-match }
        spec:
          parentRefs: [ { name: backend } ]
          rules:
            - matches: [ { path: { type: RegularExpression, value: "/v(" } } ]
              backendRefs: [ { name: backend-v1, weight: 0 }, { name: backend-v2, weight: 0 } ]
              filters:
                - type: RequestMirror
                  requestMirror: { backendRef: { name: backend-v2 }, percent: 150 }

        """;

    [Fact]
    public async Task QueryAndMethodMatches_ProxyRoutesAccordingly_InvalidRouteRejectedWhole()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ct);
        await mesh.ApplyAsync(Manifests.Join(
            Manifests.Service("backend", "{ app: backend }"),
            Manifests.Service("backend-v1", "{ app: backend, version: v1 }"),
            Manifests.Service("backend-v2", "{ app: backend, version: v2 }"),
            Manifests.Backend("backend-v1", 1, "{ app: backend, version: v1 }", "1"),
            Manifests.Backend("backend-v2", 1, "{ app: backend, version: v2 }", "2"),
            Route), ct);
        var proxy = (await mesh.WaitForInstancesAsync(2, ct))[0].Address;
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        (HttpMethod Method, string Target, string Version)[] cases =
        [
            (HttpMethod.Get, "/", "v1"),
            (HttpMethod.Get, "/?tenant=acme", "v2"),
            (HttpMethod.Get, "/?tenant=other", "v1"),
            (HttpMethod.Get, "/?x=1&tenant=acme", "v2"),
            (HttpMethod.Delete, "/", "v2"),
            (HttpMethod.Post, "/", "v1"),
        ];

        var actual = new List<string>();
        for (var round = 0; round < 5; round++)
        {
            foreach (var (method, target, _) in cases)
            {
                using var request = new HttpRequestMessage(method, new Uri($"http://{proxy}:4140{target}"));
                request.Headers.Host = "backend";
                using var response = await http.SendAsync(request, ct);
                var words = (await response.Content.ReadAsStringAsync(ct)).Trim().Split(' ');
                actual.Add($"{method} {target} -> {(int)response.StatusCode} {words[^1]}");
            }
        }

        Assert.Equal(Enumerable.Repeat(cases.Select(c => $"{c.Method} {c.Target} -> 200 {c.Version}"), 5).SelectMany(x => x), actual);

        var revision = await mesh.RevisionAsync(ct);
        var file = Path.Combine(Path.GetTempPath(), $"linnet-e2e-{Guid.NewGuid().ToString("N")[..12]}-route.yaml");
        await File.WriteAllTextAsync(file, Manifests.Join(Manifests.Service("extra", "{ app: extra }"), InvalidRoute), ct);
        try
        {
            var apply = await mesh.RunCliAsync(ct, "apply", "-f", file);

            var lines = apply.Output.Split('\n', StringSplitOptions.TrimEntries);
            Assert.Equal(2, apply.ExitCode);
            Assert.Contains(lines, l => l.StartsWith($"error: {file}: document 2 (HTTPRoute/backend-match): spec.rules[0].matches[0].path.value: '/v(' is not a valid regular expression", StringComparison.Ordinal));
            Assert.Contains($"error: {file}: document 2 (HTTPRoute/backend-match): spec.rules[0].backendRefs: every weight is 0: no request could be routed", lines);
            Assert.Contains($"error: {file}: document 2 (HTTPRoute/backend-match): spec.rules[0].filters[0].requestMirror.percent: 150 is out of range 0..100", lines);
            Assert.Contains("nothing was applied", apply.Output, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.NotFound, await mesh.GetStatusAsync("Service", "extra", ct));
            Assert.Equal(revision, await mesh.RevisionAsync(ct));
        }
        finally
        {
            File.Delete(file);
        }

        // The stored route is untouched: the proxy still routes by it.
        using (var request = new HttpRequestMessage(HttpMethod.Delete, new Uri($"http://{proxy}:4140/")))
        {
            request.Headers.Host = "backend";
            using var response = await http.SendAsync(request, ct);
            Assert.EndsWith("v2", (await response.Content.ReadAsStringAsync(ct)).Trim(), StringComparison.Ordinal);
        }

        await mesh.DownAsync(ct);
    }
}
