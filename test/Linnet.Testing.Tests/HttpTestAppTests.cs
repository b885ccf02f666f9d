using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Linnet.Testing.Tests;

public sealed class HttpTestAppTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Hello_Http11_ReturnsGreetingAndAppNameHeader()
    {
        await using var app = await HttpTestApp.StartAsync("alpha", HttpProtocols.Http1, Ct);
        using var client = new HttpClient { BaseAddress = app.BaseAddress };

        using var response = await client.GetAsync("/hello", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version11, response.Version);
        Assert.Equal("hello from alpha", await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("alpha", Assert.Single(response.Headers.GetValues("x-app-name")));
        Assert.Equal(1, app.RequestCount);
    }

    [Fact]
    public async Task Hello_H2c_ReturnsGreetingOverHttp2()
    {
        await using var app = await HttpTestApp.StartAsync("beta", HttpProtocols.Http2, Ct);
        using var client = CreateH2cClient(app);

        using var response = await client.GetAsync("/hello", Ct);

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("hello from beta", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Bytes_Http11_ReturnsPatternWithContentLength()
    {
        await using var app = await HttpTestApp.StartAsync("a", HttpProtocols.Http1, Ct);
        using var client = new HttpClient { BaseAddress = app.BaseAddress };

        using var response = await client.GetAsync("/bytes/1000", Ct);
        var body = await response.Content.ReadAsByteArrayAsync(Ct);

        Assert.Equal(1000, response.Content.Headers.ContentLength);
        Assert.Equal(TestPattern.Create(1000), body);
    }

    [Fact]
    public async Task Chunked_Http11_UsesChunkedEncodingWithoutContentLength()
    {
        await using var app = await HttpTestApp.StartAsync("a", HttpProtocols.Http1, Ct);
        using var client = new HttpClient { BaseAddress = app.BaseAddress };

        using var response = await client.GetAsync("/chunked/100000", HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.True(response.Headers.TransferEncodingChunked);
        Assert.Null(response.Content.Headers.ContentLength);
        var body = await response.Content.ReadAsByteArrayAsync(Ct);

        Assert.Equal(-1, TestPattern.FindMismatch(body, 0));
        Assert.Equal(100000, body.Length);
    }

    [Theory]
    [InlineData(HttpProtocols.Http1)]
    [InlineData(HttpProtocols.Http2)]
    public async Task Stream_LargeDownload_MatchesPattern(HttpProtocols protocols)
    {
        const long size = 8L * 1024 * 1024 + 17;
        await using var app = await HttpTestApp.StartAsync("a", protocols, Ct);
        using var client = CreateClient(app, protocols);

        using var response = await client.GetAsync($"/stream/{size}", HttpCompletionOption.ResponseHeadersRead, Ct);
        await using var stream = await response.Content.ReadAsStreamAsync(Ct);
        var buffer = new byte[81920];
        long offset = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, Ct)) > 0)
        {
            Assert.Equal(-1, TestPattern.FindMismatch(buffer.AsSpan(0, read), offset));
            offset += read;
        }

        Assert.Equal(size, response.Content.Headers.ContentLength);
        Assert.Equal(size, offset);
    }

    [Theory]
    [InlineData(HttpProtocols.Http1)]
    [InlineData(HttpProtocols.Http2)]
    public async Task Echo_Post_ReturnsBodyAndContentType(HttpProtocols protocols)
    {
        await using var app = await HttpTestApp.StartAsync("a", protocols, Ct);
        using var client = CreateClient(app, protocols);
        var payload = TestPattern.Create(300_000);
        using var content = new ByteArrayContent(payload);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-linnet");

        using var response = await client.PostAsync("/echo", content, Ct);

        Assert.Equal("application/x-linnet", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(payload, await response.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task Echo_H2cDuplex_EchoesBeforeRequestBodyCompletes()
    {
        await using var app = await HttpTestApp.StartAsync("a", HttpProtocols.Http2, Ct);
        using var client = CreateH2cClient(app);
        using var content = new DuplexContent();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/echo")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };

        var responseTask = client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        var requestBody = await content.RequestStream;
        await requestBody.WriteAsync("first"u8.ToArray(), Ct);
        await requestBody.FlushAsync(Ct);
        using var response = await responseTask;
        await using var responseBody = await response.Content.ReadAsStreamAsync(Ct);
        var buffer = new byte[5];
        await responseBody.ReadExactlyAsync(buffer, Ct);
        Assert.Equal("first", Encoding.UTF8.GetString(buffer));

        await requestBody.WriteAsync("again"u8.ToArray(), Ct);
        await requestBody.FlushAsync(Ct);
        await responseBody.ReadExactlyAsync(buffer, Ct);
        Assert.Equal("again", Encoding.UTF8.GetString(buffer));
        content.Complete();
        Assert.Equal(0, await responseBody.ReadAsync(buffer, Ct));
    }

    [Fact]
    public async Task Sha256_StreamedUpload_ReturnsLengthAndHash()
    {
        const int size = 16 * 1024 * 1024;
        await using var app = await HttpTestApp.StartAsync("a", HttpProtocols.Http1, Ct);
        using var client = new HttpClient { BaseAddress = app.BaseAddress };
        var payload = TestPattern.Create(size);
        using var content = new StreamContent(new MemoryStream(payload));

        using var response = await client.PostAsync("/sha256", content, Ct);

        var expected = $"{size}:{Convert.ToHexStringLower(SHA256.HashData(payload))}";
        Assert.Equal(expected, await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Status_Code_ReturnsThatCode()
    {
        await using var app = await HttpTestApp.StartAsync("a", HttpProtocols.Http1, Ct);
        using var client = new HttpClient { BaseAddress = app.BaseAddress };

        using var response = await client.GetAsync("/status/503", Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    [Fact]
    public async Task Headers_H2c_ReturnsLowerCasedHeadersProtocolAndHost()
    {
        await using var app = await HttpTestApp.StartAsync("a", HttpProtocols.Http2, Ct);
        using var client = CreateH2cClient(app);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/headers?x=1")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.Add("X-Custom", "value");

        using var response = await client.SendAsync(request, Ct);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));

        var root = json.RootElement;
        Assert.Equal("value", root.GetProperty("x-custom").GetString());
        Assert.Equal("HTTP/2", root.GetProperty("_protocol").GetString());
        Assert.Equal($"127.0.0.1:{app.Port}", root.GetProperty("_host").GetString());
        Assert.Equal("/headers?x=1", root.GetProperty("_path").GetString());
        Assert.Equal("value", app.LastRequestHeaders["x-custom"]);
    }

    [Fact]
    public async Task Trailers_H2c_ReturnsBodyAndTrailer()
    {
        await using var app = await HttpTestApp.StartAsync("a", HttpProtocols.Http2, Ct);
        using var client = CreateH2cClient(app);

        using var response = await client.GetAsync("/trailers", Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal("ok", body);
        Assert.Equal("1", Assert.Single(response.TrailingHeaders.GetValues("x-trailer-a")));
    }

    [Fact]
    public async Task Slow_Delay_RespondsAfterDelay()
    {
        await using var app = await HttpTestApp.StartAsync("a", HttpProtocols.Http1, Ct);
        using var client = new HttpClient { BaseAddress = app.BaseAddress };
        var started = TimeProvider.System.GetTimestamp();

        using var response = await client.GetAsync("/slow/200", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(TimeProvider.System.GetElapsedTime(started) >= TimeSpan.FromMilliseconds(190));
    }

    [Theory]
    [InlineData(HttpProtocols.Http1)]
    [InlineData(HttpProtocols.Http2)]
    public async Task WebSocket_TextAndBinary_AreEchoed(HttpProtocols protocols)
    {
        await using var app = await HttpTestApp.StartAsync("a", protocols, Ct);
        using var handler = new SocketsHttpHandler();
        using var invoker = new HttpMessageInvoker(handler);
        using var socket = new ClientWebSocket();
        if (protocols == HttpProtocols.Http2)
        {
            socket.Options.HttpVersion = HttpVersion.Version20;
            socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }

        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{app.Port}/ws"), invoker, Ct);
        var buffer = new byte[1024];

        await socket.SendAsync(Encoding.UTF8.GetBytes("hi"), WebSocketMessageType.Text, true, Ct);
        var text = await socket.ReceiveAsync(buffer, Ct);
        Assert.Equal(WebSocketMessageType.Text, text.MessageType);
        Assert.Equal("hi", Encoding.UTF8.GetString(buffer, 0, text.Count));

        await socket.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, Ct);
        var binary = await socket.ReceiveAsync(buffer, Ct);
        Assert.Equal(WebSocketMessageType.Binary, binary.MessageType);
        Assert.Equal(new byte[] { 1, 2, 3 }, buffer[..binary.Count]);

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", Ct);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
        Assert.Equal("bye", socket.CloseStatusDescription);
    }

    private static HttpClient CreateClient(HttpTestApp app, HttpProtocols protocols) =>
        protocols == HttpProtocols.Http2 ? CreateH2cClient(app) : new HttpClient { BaseAddress = app.BaseAddress };

    private static HttpClient CreateH2cClient(HttpTestApp app) => new()
    {
        BaseAddress = app.BaseAddress,
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };
}
