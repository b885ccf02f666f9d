using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Grpc.Core;
using Linnet.Api.Tap.V1;
using Linnet.ControlPlane.Tests.Infrastructure;
using TapClient = Linnet.Api.Tap.V1.Tap.TapClient;

namespace Linnet.ControlPlane.Tests.Tap;

/// <summary>Tap through a real control plane: the HTTP API (admin only, every parameter checked) and the gRPC
/// Attach stream (only a proxy's own certificate may attach as it), joined by the broker. The proxy is played by
/// a gRPC client holding a mesh certificate, as the real one attaches.</summary>
public sealed class TapApiTests : IAsyncLifetime
{
    private TestControlPlane _cp = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() =>
        _cp = await TestControlPlane.StartAsync(Ct, options: new ControlPlaneOptions { TapSecretHeaders = ["x-api-key"] });

    public async ValueTask DisposeAsync() => await _cp.DisposeAsync();

    [Fact]
    public async Task Tap_WithoutCredential_401()
    {
        using var response = await _cp.Anonymous.GetAsync(new Uri("/api/v1/tap?resource=deploy&name=app", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Tap_WrongCredential_403()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/tap?resource=deploy&name=app", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-the-admin-token");
        using var response = await _cp.Anonymous.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Theory]
    [InlineData("resource=svc&name=app", "resource: 'svc' is not one of namespace, workload (deploy), instance (pod)")]
    [InlineData("resource=deploy", "name: tapping a deploy needs its name")]
    [InlineData("resource=deploy&name=App_1", "name: 'App_1' is not a DNS label")]
    [InlineData("resource=deploy&name=app&method=G%20T", "method: 'G T' is not an HTTP method")]
    [InlineData("resource=deploy&name=app&path=api", "path: 'api' is not a path prefix")]
    [InlineData("resource=deploy&name=app&authority=a%2Fb", "authority: 'a/b' is not a host or host:port")]
    [InlineData("resource=deploy&name=app&to=a/b/c", "to: 'a/b/c' is not a workload")]
    [InlineData("resource=deploy&name=app&maxRps=0", "maxRps: '0' is not a number above 0 and at most 10000")]
    [InlineData("resource=deploy&name=app&maxRps=20000", "maxRps: '20000' is not a number above 0")]
    [InlineData("resource=deploy&name=app&maxRps=fast", "maxRps: 'fast' is not a number")]
    [InlineData("resource=deploy&name=app&reveal=maybe", "reveal: 'maybe' is not true or false")]
    [InlineData("resource=deploy&name=app&limit=3", "limit: not a tap parameter")]
    public async Task Tap_BadParameter_400NamingIt(string query, string expected)
    {
        using var response = await _cp.Http.GetAsync(new Uri($"/api/v1/tap?{query}", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["error"]!.ToString();
        Assert.StartsWith(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attach_WithoutClientCertificate_Unauthenticated()
    {
        using var channel = MeshChannel.Create(_cp.Host, null);
        using var call = new TapClient(channel).Attach(cancellationToken: Ct);
        await call.RequestStream.WriteAsync(Hello("default", "app", "app-0"), Ct);

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(Ct));

        Assert.Equal(StatusCode.Unauthenticated, ex.StatusCode);
    }

    [Fact]
    public async Task Attach_IdentityOfAnotherNamespace_PermissionDenied()
    {
        using var channel = MeshChannel.Create(_cp.Host, MeshChannel.Issue(_cp.Host, "other", "default"));
        using var call = new TapClient(channel).Attach(cancellationToken: Ct);
        await call.RequestStream.WriteAsync(Hello("default", "app", "app-0"), Ct);

        var ex = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(Ct));

        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
        Assert.Contains("may not subscribe in namespace default", ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tap_AttachedProxy_StartedWithTheFilterEventsStreamedStrangersDroppedStoppedOnClose()
    {
        using var channel = MeshChannel.Create(_cp.Host, MeshChannel.Issue(_cp.Host, "default", "default"));
        using var proxy = new TapClient(channel).Attach(cancellationToken: Ct);
        await proxy.RequestStream.WriteAsync(Hello("default", "app", "app-0"), Ct);
        await WaitAttachedAsync(1);

        using var tapRequest = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/tap?resource=deploy&name=app&method=GET&path=/api&to=backend&maxRps=3", UriKind.Relative));
        var responseTask = _cp.Http.SendAsync(tapRequest, HttpCompletionOption.ResponseHeadersRead, Ct);

        // The proxy is asked to tap, with the filter, the configured secret header, and the whole tap's rate (one proxy).
        Assert.True(await proxy.ResponseStream.MoveNext(Ct));
        var start = proxy.ResponseStream.Current.Start;
        Assert.Equal(("GET", "/api", "backend", "default"), (start.Match.Method, start.Match.PathPrefix, start.Match.ToWorkload, start.Match.ToNamespace));
        Assert.Equal(3, start.MaxRps);
        Assert.False(start.RevealSecretHeaders);
        Assert.Contains("x-api-key", start.SecretHeaders);
        await proxy.RequestStream.WriteAsync(new ProxyTapMessage { Started = start.Id }, Ct);

        using var response = await responseTask;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("application/x-ndjson", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));
        var started = JsonNode.Parse((await reader.ReadLineAsync(Ct))!)!;
        Assert.Equal("started", started["type"]!.ToString());
        Assert.Equal("default/app/app-0", Assert.Single(started["proxies"]!.AsArray())!.ToString());
        Assert.Empty(started["pending"]!.AsArray());
        var attached = JsonNode.Parse((await reader.ReadLineAsync(Ct))!)!;
        Assert.Equal(("attached", "default/app/app-0"), (attached["type"]!.ToString(), attached["proxy"]!.ToString()));

        // An event for another tap id is dropped; the tap's own come through in order.
        await proxy.RequestStream.WriteAsync(new ProxyTapMessage { Event = new TapEvent { TapId = "tap-999", Path = "/stranger" } }, Ct);
        for (var i = 0; i < 3; i++)
        {
            await proxy.RequestStream.WriteAsync(new ProxyTapMessage { Event = new TapEvent { TapId = start.Id, RequestId = (ulong)i, Method = "GET", Path = $"/api/{i}", Status = 200 } }, Ct);
        }

        var first = JsonNode.Parse((await reader.ReadLineAsync(Ct))!)!;
        Assert.Equal(("event", "default/app/app-0", "/api/0", 200), (first["type"]!.ToString(), first["proxy"]!.ToString(), first["path"]!.ToString(), first["status"]!.GetValue<int>()));

        var paths = new List<string> { "/api/0" };
        while (paths.Count < 3)
        {
            paths.Add(JsonNode.Parse((await reader.ReadLineAsync(Ct))!)!["path"]!.ToString());
        }

        Assert.Equal(["/api/0", "/api/1", "/api/2"], paths);
        var broker = (Linnet.ControlPlane.Tap.TapBroker)_cp.Host.Services.GetService(typeof(Linnet.ControlPlane.Tap.TapBroker))!;
        Assert.Equal(1, broker.AttachedCount);

        // Closing the tap stops it on the proxy.
        response.Dispose();
        Assert.True(await proxy.ResponseStream.MoveNext(Ct));
        Assert.Equal(start.Id, proxy.ResponseStream.Current.Stop);
    }

    private async Task WaitAttachedAsync(int count)
    {
        var broker = (Linnet.ControlPlane.Tap.TapBroker)_cp.Host.Services.GetService(typeof(Linnet.ControlPlane.Tap.TapBroker))!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (broker.AttachedCount < count)
        {
            timeout.Token.ThrowIfCancellationRequested();
            await Task.Delay(10, Ct);
        }
    }

    private static ProxyTapMessage Hello(string ns, string workload, string instance) =>
        new() { Hello = new TapHello { Namespace = ns, Workload = workload, Instance = instance } };
}
