using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Linnet.Testing;

namespace Linnet.Proxy.Tests.Http2;

/// <summary>Cleartext HTTP/2 (prior knowledge) through the proxy's inbound and outbound listeners.</summary>
public sealed class H2cProxyTests
{
    private const int UploadLength = 8 * 1024 * 1024;
    private const int DownloadLength = 16 * 1024 * 1024;

    [Theory]
    [InlineData(H2cRoute.Inbound)]
    [InlineData(H2cRoute.Outbound)]
    public async Task SendAsync_FiftyConcurrentRequestsOnOneConnection_AllAnsweredAndOneConnectionOpened(string direction)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var route = await H2cRoute.StartAsync(direction, ct);

        // Each request stays in flight for a while, so all fifty streams are open at once on the one connection.
        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
        {
            using var request = route.Request(HttpMethod.Get, "/slow/100");
            using var response = await route.Client.SendAsync(request, ct);
            return (response.StatusCode, response.Version, Body: await response.Content.ReadAsStringAsync(ct));
        }));

        Assert.All(results, r =>
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.Equal(HttpVersion.Version20, r.Version);
            Assert.Equal("slept 100", r.Body);
        });
        Assert.Equal(50, route.App.RequestCount);
        var scrape = await route.Proxy.ScrapeWhenAsync(s => s.Sum("response_total", ("direction", direction)) >= 50);
        Assert.Equal(1, scrape.Sum("tcp_open_total", ("direction", direction), ("peer", "src")));
        Assert.Equal(50, scrape.Sum("request_total", ("direction", direction)));
        Assert.Equal(50, scrape.Sum("response_total", ("direction", direction), ("status_code", "200"), ("classification", "success")));
    }

    [Theory]
    [InlineData(H2cRoute.Inbound)]
    [InlineData(H2cRoute.Outbound)]
    public async Task SendAsync_EightMebibyteUpload_AppHashesEveryByte(string direction)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var route = await H2cRoute.StartAsync(direction, ct);
        var body = RandomNumberGenerator.GetBytes(UploadLength);

        using var content = new ByteArrayContent(body);
        using var request = route.Request(HttpMethod.Post, "/sha256", content);
        using var response = await route.Client.SendAsync(request, ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"{UploadLength}:{Convert.ToHexStringLower(SHA256.HashData(body))}", await response.Content.ReadAsStringAsync(ct));
    }

    [Theory]
    [InlineData(H2cRoute.Inbound)]
    [InlineData(H2cRoute.Outbound)]
    public async Task SendAsync_SixteenMebibyteStreamedDownload_ArrivesWhole(string direction)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var route = await H2cRoute.StartAsync(direction, ct);

        using var request = route.Request(HttpMethod.Get, $"/stream/{DownloadLength}");
        using var response = await route.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(DownloadLength, response.Content.Headers.ContentLength);
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, ct)) > 0)
        {
            var mismatch = TestPattern.FindMismatch(buffer.AsSpan(0, read), total);
            Assert.True(mismatch < 0, $"byte at offset {total + mismatch} is not the pattern byte");
            total += read;
        }

        Assert.Equal(DownloadLength, total);
    }

    [Theory]
    [InlineData(H2cRoute.Inbound)]
    [InlineData(H2cRoute.Outbound)]
    public async Task SendAsync_ResponseWithTrailers_TrailersReachClient(string direction)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var route = await H2cRoute.StartAsync(direction, ct);

        using var request = route.Request(HttpMethod.Get, "/trailers");
        using var response = await route.Client.SendAsync(request, ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync(ct));
        Assert.True(response.TrailingHeaders.TryGetValues("x-trailer-a", out var values), "trailer x-trailer-a missing");
        Assert.Equal("1", Assert.Single(values));
    }

    [Theory]
    [InlineData(H2cRoute.Inbound)]
    [InlineData(H2cRoute.Outbound)]
    public async Task SendAsync_Authority_ReachesAppUnchanged(string direction)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var route = await H2cRoute.StartAsync(direction, ct);

        using var request = route.Request(HttpMethod.Get, "/headers?q=1");
        using var response = await route.Client.SendAsync(request, ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        Assert.Equal(route.Authority, json.RootElement.GetProperty("_host").GetString());
        Assert.Equal("HTTP/2", json.RootElement.GetProperty("_protocol").GetString());
        Assert.Equal("/headers?q=1", json.RootElement.GetProperty("_path").GetString());
    }
}
