using System.Text.Json.Nodes;
using Linnet.EndToEnd.Tests.Infrastructure;

namespace Linnet.EndToEnd.Tests;

/// <summary>Tap through the real thing: a control plane and mTLS proxies started by <c>linnet</c>, traffic from
/// the client workload to the backend, and the admin's tap stream from the HTTP API. The client's outbound tap
/// shows exactly the requests its filter matches, with their headers (secrets redacted) and the mTLS identity the
/// backend proved; the backend's inbound tap shows the identity the client proved.</summary>
public sealed class TapTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Tap_RealMesh_ExactlyTheMatchingRequestsWithHeadersRedactedAndIdentities()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var mesh = await Mesh.StartAsync(output, ct);
        await MeshClient.ApplyFileAsync(mesh, Manifests.Join(
            TrafficApp.Service("backend", "{ app: backend }"),
            TrafficApp.Workload("client", 1, "{ app: client }", "0", "client"),
            TrafficApp.Workload("backend", 1, "{ app: backend }", "1", "backend")), ct);
        var instances = await mesh.WaitForInstancesAsync(2, ct);
        using var client = new MeshClient(instances.Single(i => i.Workload == "client").Address);
        using var api = new HttpClient(new AdminTokenHandler(mesh.DataDirectory)) { Timeout = Timeout.InfiniteTimeSpan };

        await using var outbound = await TapStream.OpenAsync(api, new Uri(mesh.Api, "api/v1/tap?namespace=default&resource=deploy&name=client&to=backend&method=GET&path=/tapped"), "default/client/client-0", ct);
        await using var inbound = await TapStream.OpenAsync(api, new Uri(mesh.Api, "api/v1/tap?namespace=default&resource=deploy&name=backend&path=/tapped"), "default/backend/backend-0", ct);

        for (var i = 0; i < 3; i++)
        {
            await SendAsync(client, HttpMethod.Get, $"/tapped/{i}", ct);
        }

        await SendAsync(client, HttpMethod.Get, "/other", ct);
        await SendAsync(client, HttpMethod.Post, "/tapped/post", ct);

        var seen = new List<JsonNode>();
        for (var i = 0; i < 3; i++)
        {
            seen.Add(await outbound.NextEventAsync(ct));
        }

        Assert.Equal(["/tapped/0", "/tapped/1", "/tapped/2"], seen.Select(e => e["path"]!.ToString()).Order(StringComparer.Ordinal));
        foreach (var e in seen)
        {
            Assert.Equal(("outbound", "GET", "backend", 200), (e["direction"]!.ToString(), e["method"]!.ToString(), e["authority"]!.ToString(), e["status"]!.GetValue<int>()));
            Assert.True(e["tls"]!.GetValue<bool>());
            Assert.Equal("spiffe://cluster.local/ns/default/sa/backend", e["serverId"]!.ToString());
            Assert.Equal(("backend", "default", "true"), (e["destinationMeta"]!["deployment"]!.ToString(), e["destinationMeta"]!["namespace"]!.ToString(), e["destinationMeta"]!["tls"]!.ToString()));
            Assert.Equal("client", e["sourceMeta"]!["deployment"]!.ToString());
            Assert.Equal("e2e", HeaderValue(e["requestHeaders"]!, "x-tap-test"));
            Assert.Equal("[redacted]", HeaderValue(e["requestHeaders"]!, "authorization"));
            Assert.True(e["responseBytes"]!.GetValue<long>() > 0);
            Assert.True(e["endOfStream"]!.GetValue<bool>());
        }

        // The backend's inbound side: the same three GETs and the POST (its filter has no method), each with the
        // identity the client proved.
        var inboundSeen = new List<JsonNode>();
        for (var i = 0; i < 4; i++)
        {
            inboundSeen.Add(await inbound.NextEventAsync(ct));
        }

        Assert.Equal(["/tapped/0", "/tapped/1", "/tapped/2", "/tapped/post"], inboundSeen.Select(e => e["path"]!.ToString()).Order(StringComparer.Ordinal));
        Assert.All(inboundSeen, e =>
        {
            Assert.Equal("inbound", e["direction"]!.ToString());
            Assert.Equal("spiffe://cluster.local/ns/default/sa/client", e["clientId"]!.ToString());
            Assert.Equal(("default", "client"), (e["sourceMeta"]!["namespace"]!.ToString(), e["sourceMeta"]!["serviceaccount"]!.ToString()));
            Assert.Equal("[redacted]", HeaderValue(e["requestHeaders"]!, "authorization"));
        });

        // Nothing else matched: a request sent after the others is the next thing each stream shows.
        await SendAsync(client, HttpMethod.Get, "/tapped/last", ct);
        Assert.Equal("/tapped/last", (await outbound.NextEventAsync(ct))["path"]!.ToString());
        Assert.Equal("/tapped/last", (await inbound.NextEventAsync(ct))["path"]!.ToString());
    }

    private static async Task SendAsync(MeshClient client, HttpMethod method, string path, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, new Uri($"http://{client.ClientAddress}:4140{path}"));
        request.Headers.Host = "backend";
        request.Headers.TryAddWithoutValidation("x-tap-test", "e2e");
        request.Headers.TryAddWithoutValidation("authorization", "Bearer e2e-secret");
        if (method == HttpMethod.Post)
        {
            request.Content = new StringContent("x");
        }

        using var response = await client.Http.SendAsync(request, ct);
        await response.Content.ReadAsByteArrayAsync(ct);
    }

    private static string? HeaderValue(JsonNode headers, string name) =>
        headers.AsArray().FirstOrDefault(h => h!["name"]!.ToString() == name)?["value"]?.ToString();
}
