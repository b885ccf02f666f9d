using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Tests.Balancing;
using Linnet.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Linnet.Proxy.Tests.Resilience;

/// <summary>Mirroring bodies that are not kept whole first: chunked, larger than the kept-body limit,
/// HTTP/2 streams of gRPC calls. The mirror gets the same bytes as the primary; a mirror that cannot keep
/// up costs the primary nothing and never gets a cut-off body as a complete one.</summary>
public sealed class MirrorStreamedBodyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Mirror_ChunkedBodyLargerThanTheKeptLimitWithinTheLag_MirrorGetsTheSameBytes()
    {
        await using var primary = await BodyRecordingApp.StartAsync(HttpProtocols.Http1, Ct);
        await using var shadow = await BodyRecordingApp.StartAsync(HttpProtocols.Http1, Ct);
        await using var proxy = await TestProxy.StartAsync(1, Services(primary.Port, shadow.Port));
        using var client = ProxyLoad.Client();
        var body = RandomNumberGenerator.GetBytes(200_000);

        using var content = new StreamContent(new MemoryStream(body));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(proxy.OutboundUri, "/upload")) { Content = content };
        request.Headers.Host = "web";
        request.Headers.TransferEncodingChunked = true;
        using var response = await client.SendAsync(request, Ct);

        var expected = $"{body.Length}:{Convert.ToHexStringLower(SHA256.HashData(body))}";
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected, await response.Content.ReadAsStringAsync(Ct));
        await ControlPlane.Eventually.WaitAsync(() => shadow.Requests.Count == 1, "the mirror receiving the copy");
        var copy = shadow.Requests.Single();
        Assert.Equal(expected, $"{copy.Length}:{copy.Sha256}");
        Assert.Equal(0, shadow.Broken);
        var scrape = await proxy.ScrapeAsync();
        Assert.Equal(1, scrape.Sum("outbound_http_route_mirror_requests_total", ("result", "sent")));
    }

    [Fact]
    public async Task Mirror_GrpcCallOverHttp2_MirrorGetsTheMessageOverHttp2()
    {
        await using var primary = await BodyRecordingApp.StartAsync(HttpProtocols.Http2, Ct);
        await using var shadow = await BodyRecordingApp.StartAsync(HttpProtocols.Http2, Ct);
        await using var proxy = await TestProxy.StartAsync(1, Services(primary.Port, shadow.Port));
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });

        // One length-prefixed gRPC message (uncompressed flag, 4-byte big-endian length, payload), sent as a
        // gRPC client does: an HTTP/2 stream of unknown length.
        var payload = RandomNumberGenerator.GetBytes(1_000);
        var message = new byte[5 + payload.Length];
        message[1] = 0;
        message[3] = (byte)(payload.Length >> 8);
        message[4] = (byte)payload.Length;
        payload.CopyTo(message, 5);
        using var content = new StreamContent(new MemoryStream(message));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        content.Headers.ContentLength = null;
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(proxy.OutboundUri, "/greet.Greeter/SayHello"))
        {
            Content = content,
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.Host = "web";
        request.Headers.TE.ParseAdd("trailers");
        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await ControlPlane.Eventually.WaitAsync(() => shadow.Requests.Count == 1, "the mirror receiving the call");
        var copy = shadow.Requests.Single();
        Assert.Equal("HTTP/2", copy.Protocol);
        Assert.Equal("application/grpc", copy.ContentType);
        Assert.Equal($"{message.Length}:{Convert.ToHexStringLower(SHA256.HashData(message))}", $"{copy.Length}:{copy.Sha256}");
    }

    [Fact]
    public async Task Mirror_StreamedBodyToAMirrorThatDoesNotRead_PrimaryGetsItAllAndTheCopyIsCutOff()
    {
        await using var primary = await BodyRecordingApp.StartAsync(HttpProtocols.Http1, Ct);
        // Never reads the body (answers after 30 s, beyond the mirror's timeout).
        await using var stuck = await SlowBackend.StartAsync(TimeSpan.FromSeconds(30), Ct);
        await using var proxy = await TestProxy.StartAsync(1, Services(primary.Port, stuck.Port));
        using var client = ProxyLoad.Client();
        var body = RandomNumberGenerator.GetBytes(16_000_000);

        using var content = new StreamContent(new MemoryStream(body));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(proxy.OutboundUri, "/upload")) { Content = content };
        request.Headers.Host = "web";
        request.Headers.TransferEncodingChunked = true;
        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"{body.Length}:{Convert.ToHexStringLower(SHA256.HashData(body))}", await response.Content.ReadAsStringAsync(Ct));
        Assert.Single(primary.Requests);
    }

    private static ServiceConfig[] Services(int primaryPort, int mirrorPort) =>
    [
        TestProxy.Service("web", 80, primaryPort) with
        {
            Routes = [new RouteConfig("shop/web", [new RouteRuleConfig([], [new RouteBackendConfig("web:80")]) { Mirror = new MirrorConfig("shadow:80", 100) }])],
        },
        TestProxy.Service("shadow", 80, mirrorPort),
    ];
}
