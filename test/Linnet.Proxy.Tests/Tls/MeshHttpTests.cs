using System.Net;
using System.Text;
using System.Text.Json;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Http;
using Linnet.Proxy.Identity;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Linnet.Proxy.Tests.Tls;

/// <summary>HTTP between two proxies over mTLS: every request crosses as HTTP/2 inside TLS 1.3 and reaches
/// the app in the protocol its client spoke.</summary>
public sealed class MeshHttpTests
{
    [Fact]
    public async Task Forward_Http11OverMesh_AppSeesHttp11WithHostAndNoMark()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = await HttpTestApp.StartAsync("web", HttpProtocols.Http1, ct);
        await using var mesh = await MeshPair.StartAsync(TestMeshCa.Create(), app.Port);

        using var response = await mesh.Http.SendAsync(MeshPair.Request(HttpMethod.Get, "/headers"), ct);

        MeshPair.AssertOk(response);
        Assert.Equal(HttpVersion.Version11, response.Version);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        Assert.Equal("HTTP/1.1", json.RootElement.GetProperty("_protocol").GetString());
        Assert.Equal("web:80", json.RootElement.GetProperty("_host").GetString());
        Assert.False(json.RootElement.TryGetProperty("l5d-orig-proto", out _), "the mark must not reach the app");
        Assert.Equal(1, app.RequestCount);
    }

    [Fact]
    public async Task Forward_Http11OverMesh_ServerProxyReachesTheAppOnTheFastHttp11Path()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = ScriptedUpstream.Start();
        await using var mesh = await MeshPair.StartAsync(TestMeshCa.Create(), app.Port);
        ScriptedUpstream.Connection? connection = null;
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var responding = mesh.Http.SendAsync(MeshPair.Request(HttpMethod.Post, $"/orders/{i}?q=a%20b", new StringContent($"body{i}")), ct);
                connection ??= await app.AcceptAsync(ct);
                var lines = (await connection.ReadHeadAsync()).Split("\r\n");
                var body = await connection.ReadExactAsync(5);

                // HTTP/1.1 again after crossing the mesh in HTTP/2 (RFC 9112 request line), the client's Host and length,
                // and no trace of the mesh's l5d-orig-proto mark.
                Assert.Equal($"POST /orders/{i}?q=a%20b HTTP/1.1", lines[0]);
                Assert.Contains("Host: web:80", lines);
                Assert.Contains(lines, l => l.Equals("Content-Length: 5", StringComparison.OrdinalIgnoreCase));
                Assert.DoesNotContain(lines, l => l.StartsWith("l5d-orig-proto", StringComparison.OrdinalIgnoreCase) || l.StartsWith("Transfer-Encoding", StringComparison.OrdinalIgnoreCase));
                Assert.Equal($"body{i}", body);

                await connection.SendAsync($"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nreply-{i}");
                using var response = await responding;
                MeshPair.AssertOk(response);
                Assert.Equal($"reply-{i}", await response.Content.ReadAsStringAsync(ct));
            }

            // One keep-alive connection to the app carried them all.
            Assert.Equal(1, app.Accepted);

            // And the response is read as strictly as on a plaintext hop (RFC 9112 §5.2: obs-fold refused with 502);
            // SocketsHttpHandler, YARP's client, would have passed it on.
            var folded = mesh.Http.SendAsync(MeshPair.Request(HttpMethod.Get, "/folded"), ct);
            await connection!.ReadHeadAsync();
            await connection.SendAsync("HTTP/1.1 200 OK\r\nX-Folded: one\r\n two\r\nContent-Length: 2\r\n\r\nok");
            using var refused = await folded;
            Assert.Equal(HttpStatusCode.BadGateway, refused.StatusCode);
            Assert.False(refused.Headers.Contains("X-Folded"));
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Forward_Http11OverMesh_KnownLengthBodySentBeforeTheEndOfStream_AppConnectionKept()
    {
        // Across the mesh a request body ends with HTTP/2's END_STREAM, which may come well after the last DATA
        // (RFC 9113 §8.1). Once the announced Content-Length is all sent to the app, the HTTP/1.1 request is complete
        // (RFC 9112 §6.3) and its connection may carry the next one, however late that end of stream.
        var ct = TestContext.Current.CancellationToken;
        await using var app = ScriptedUpstream.Start();
        await using var mesh = await MeshPair.StartAsync(TestMeshCa.Create(), app.Port);
        using var h2 = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };
        var endOfStream = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ScriptedUpstream.Connection? connection = null;
        try
        {
            // What a client proxy sends across the mesh for an HTTP/1.1 POST (in plaintext, which a permissive
            // inbound takes), its body's end held back.
            var held = MarkedRequest(HttpMethod.Post, new HeldEndContent("body0"u8.ToArray(), endOfStream.Task));
            var responding = h2.SendAsync(held, HttpCompletionOption.ResponseHeadersRead, ct);
            connection = await app.AcceptAsync(ct);
            var lines = (await connection.ReadHeadAsync()).Split("\r\n");
            Assert.Equal("POST /orders HTTP/1.1", lines[0]);
            Assert.Contains(lines, l => l.Equals("Content-Length: 5", StringComparison.OrdinalIgnoreCase));
            Assert.Equal("body0", await connection.ReadExactAsync(5));
            await connection.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nreply-0");
            using var first = await responding;
            MeshPair.AssertOk(first);

            // The first request's end of stream still held: the next request rides the same connection to the app.
            var next = h2.SendAsync(MarkedRequest(HttpMethod.Get, null), ct);
            Assert.StartsWith("GET /orders HTTP/1.1\r\n", await connection.ReadHeadAsync(), StringComparison.Ordinal);
            await connection.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nreply-1");
            using var second = await next;
            MeshPair.AssertOk(second);
            Assert.Equal("reply-1", await second.Content.ReadAsStringAsync(ct));
            Assert.False(endOfStream.Task.IsCompleted);

            // And when the first request ends, so does its response, whole.
            endOfStream.SetResult();
            Assert.Equal("reply-0", await first.Content.ReadAsStringAsync(ct));
            Assert.Equal(1, app.Accepted);
        }
        finally
        {
            endOfStream.TrySetResult();
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }

        HttpRequestMessage MarkedRequest(HttpMethod method, HttpContent? content)
        {
            var request = new HttpRequestMessage(method, new Uri(mesh.Server.InboundUri, "/orders"))
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = content,
            };
            request.Headers.Host = "web:80";
            request.Headers.Add("l5d-orig-proto", "HTTP/1.1");
            return request;
        }
    }

    [Fact]
    public async Task Forward_Http11ChunkedBodyOverMesh_BodyArrivesWhole()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = await HttpTestApp.StartAsync("web", HttpProtocols.Http1, ct);
        await using var mesh = await MeshPair.StartAsync(TestMeshCa.Create(), app.Port);
        var body = new byte[300_000];
        new Random(7).NextBytes(body);

        // A stream of unknown length: HttpClient sends it chunked.
        using var content = new StreamContent(new MemoryStream(body));
        content.Headers.ContentLength = null;
        using var request = MeshPair.Request(HttpMethod.Post, "/echo", content);
        request.Headers.TransferEncodingChunked = true;
        using var response = await mesh.Http.SendAsync(request, ct);

        MeshPair.AssertOk(response);
        Assert.Equal(body, await response.Content.ReadAsByteArrayAsync(ct));
    }

    [Fact]
    public async Task Forward_ChunkedResponseOverMesh_ClientGetsEveryByte()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = await HttpTestApp.StartAsync("web", HttpProtocols.Http1, ct);
        await using var mesh = await MeshPair.StartAsync(TestMeshCa.Create(), app.Port);

        using var response = await mesh.Http.SendAsync(MeshPair.Request(HttpMethod.Get, "/chunked/100000"), ct);

        MeshPair.AssertOk(response);
        Assert.Equal(TestPattern.Create(100_000), await response.Content.ReadAsByteArrayAsync(ct));
    }

    [Fact]
    public async Task Forward_Http2OverMesh_AppSeesHttp2AndTrailers()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = await HttpTestApp.StartAsync("web", HttpProtocols.Http2, ct);
        await using var mesh = await MeshPair.StartAsync(TestMeshCa.Create(), app.Port);

        using var headers = await mesh.Http.SendAsync(MeshPair.Request(HttpMethod.Get, "/headers", version: HttpVersion.Version20), ct);
        using var json = JsonDocument.Parse(await headers.Content.ReadAsStringAsync(ct));
        using var trailers = await mesh.Http.SendAsync(MeshPair.Request(HttpMethod.Get, "/trailers", version: HttpVersion.Version20), ct);
        await trailers.Content.ReadAsByteArrayAsync(ct);

        Assert.Equal("HTTP/2", json.RootElement.GetProperty("_protocol").GetString());
        Assert.False(json.RootElement.TryGetProperty("l5d-orig-proto", out _));
        Assert.Equal("1", trailers.TrailingHeaders.GetValues("x-trailer-a").Single());
    }

    [Fact]
    public async Task Forward_ManyHttp11Requests_ShareOneMultiplexedConnection()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = await HttpTestApp.StartAsync("web", HttpProtocols.Http1, ct);
        await using var mesh = await MeshPair.StartAsync(TestMeshCa.Create(), app.Port);

        // Concurrent HTTP/1.1 requests from the app: many client connections, one mesh connection.
        var tasks = Enumerable.Range(0, 20).Select(async _ =>
        {
            using var r = await mesh.Http.SendAsync(MeshPair.Request(HttpMethod.Get, "/slow/50"), ct);
            return r.StatusCode;
        }).ToList();
        var statuses = await Task.WhenAll(tasks);

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        var scrape = await mesh.Server.ScrapeAsync();
        Assert.Equal(1, scrape.Sum("tcp_open_total", ("direction", "inbound"), ("peer", "src"), ("tls", "true")));
    }

    [Fact]
    public async Task Metrics_RequestOverMesh_CarryTlsTrueWithClientAndServerIds()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = await HttpTestApp.StartAsync("web", HttpProtocols.Http1, ct);
        await using var mesh = await MeshPair.StartAsync(TestMeshCa.Create(), app.Port);

        using var response = await mesh.Http.SendAsync(MeshPair.Request(HttpMethod.Get, "/hello"), ct);
        MeshPair.AssertOk(response);

        var server = await mesh.Server.ScrapeWhenAsync(s => s.Sum("response_total", ("direction", "inbound"), ("tls", "true")) >= 1);
        var client = await mesh.Client.ScrapeWhenAsync(s => s.Sum("response_total", ("direction", "outbound"), ("tls", "true")) >= 1);
        Assert.Equal(1, server.Sum("request_total", ("direction", "inbound"), ("tls", "true"), ("client_id", MeshPair.ClientName)));
        Assert.Equal(1, server.Sum("response_total", ("direction", "inbound"), ("tls", "true"), ("client_id", MeshPair.ClientName), ("status_code", "200")));
        Assert.Equal(1, server.Sum("tcp_open_total", ("direction", "inbound"), ("peer", "src"), ("tls", "true"), ("client_id", MeshPair.ClientName)));
        Assert.Equal(1, client.Sum("request_total", ("direction", "outbound"), ("tls", "true"), ("server_id", MeshPair.ServerName)));
        Assert.Equal(1, client.Sum("response_total", ("direction", "outbound"), ("tls", "true"), ("server_id", MeshPair.ServerName), ("status_code", "200")));
        Assert.Equal(1, client.Sum("tcp_open_total", ("direction", "outbound"), ("peer", "dst"), ("tls", "true"), ("server_id", MeshPair.ServerName)));
    }

    [Fact]
    public async Task Forward_PlaintextToPermissiveInbound_Served()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = await HttpTestApp.StartAsync("web", HttpProtocols.Http1, ct);
        await using var mesh = await MeshPair.StartAsync(TestMeshCa.Create(), app.Port);
        using var plain = new HttpClient();

        using var response = await plain.GetAsync(new Uri(mesh.Server.InboundUri, "/hello"), ct);

        MeshPair.AssertOk(response);
        Assert.Equal(1, app.RequestCount);
        var scrape = await mesh.Server.ScrapeWhenAsync(s => s.Sum("response_total", ("direction", "inbound")) >= 1);
        Assert.Equal(1, scrape.Sum("request_total", ("direction", "inbound"), ("tls", "no_identity")));
    }

    [Fact]
    public async Task Forward_PlaintextToStrictInbound_RefusedAndAppUntouched()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = await HttpTestApp.StartAsync("web", HttpProtocols.Http1, ct);
        await using var mesh = await MeshPair.StartAsync(TestMeshCa.Create(), app.Port, inboundTls: InboundTlsMode.Strict);
        using var plain = new HttpClient();

        await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync(new Uri(mesh.Server.InboundUri, "/hello"), ct));
        using var meshed = await mesh.Http.SendAsync(MeshPair.Request(HttpMethod.Get, "/hello"), ct);

        Assert.Equal(HttpStatusCode.OK, meshed.StatusCode);
        Assert.Equal(1, app.RequestCount);
        var scrape = await mesh.Server.ScrapeAsync();
        Assert.Equal(1, scrape.Sum("proxy_error_total", ("direction", "inbound"), ("reason", "plaintext_refused")));
    }

    [Fact]
    public async Task Forward_StrictInboundPlainProxyClient_RefusedWith502()
    {
        // A client proxy without identity speaks plaintext: a strict server refuses it.
        var ct = TestContext.Current.CancellationToken;
        var ca = TestMeshCa.Create();
        await using var app = await HttpTestApp.StartAsync("web", HttpProtocols.Http1, ct);
        await using var mesh = await MeshPair.StartAsync(app.Port, new ProxyIdentity(enabled: false), ca.NewIdentity(MeshPair.ServerName),
            inboundTls: InboundTlsMode.Strict);

        using var response = await mesh.Http.SendAsync(MeshPair.Request(HttpMethod.Get, "/hello"), ct);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal(0, app.RequestCount);
        Assert.True(response.Headers.Contains(ProxyErrors.Header));
    }

    [Fact]
    public async Task Forward_LargeBodyBothWays_ArrivesIntact()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = await HttpTestApp.StartAsync("web", HttpProtocols.Http1, ct);
        await using var mesh = await MeshPair.StartAsync(TestMeshCa.Create(), app.Port);
        var body = Encoding.ASCII.GetBytes(new string('m', 2_000_000));

        using var response = await mesh.Http.SendAsync(MeshPair.Request(HttpMethod.Post, "/sha256", new ByteArrayContent(body)), ct);

        MeshPair.AssertOk(response);
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body));
        Assert.Equal($"{body.Length}:{hash}", await response.Content.ReadAsStringAsync(ct));
    }

    [Fact]
    public async Task WebSocket_Http11UpgradeOverMesh_Echoes()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = await HttpTestApp.StartAsync("web", HttpProtocols.Http1, ct);
        await using var mesh = await MeshPair.StartAsync(TestMeshCa.Create(), app.Port);
        using var ws = new System.Net.WebSockets.ClientWebSocket();
        ws.Options.SetRequestHeader("Host", "web:80");

        await ws.ConnectAsync(new Uri($"ws://{mesh.Client.Outbound}/ws"), ct);
        var message = Encoding.UTF8.GetBytes("ping over the mesh");
        await ws.SendAsync(message, System.Net.WebSockets.WebSocketMessageType.Text, true, ct);
        var buffer = new byte[1024];
        var result = await ws.ReceiveAsync(buffer, ct);
        await ws.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "done", ct);

        Assert.Equal(message, buffer[..result.Count]);
        Assert.Equal(1, app.RequestCount);
    }

    /// <summary>A body of known length whose end (for HTTP/2, END_STREAM) waits for <paramref name="end"/>.</summary>
    private sealed class HeldEndContent(byte[] bytes, Task end) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(bytes);
            await stream.FlushAsync();
            await end;
        }

        protected override bool TryComputeLength(out long length)
        {
            length = bytes.Length;
            return true;
        }
    }
}
