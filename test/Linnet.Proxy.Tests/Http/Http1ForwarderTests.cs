using System.Net;
using System.Text;
using Linnet.Proxy.Http;
using Linnet.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Linnet.Proxy.Tests.Http;

/// <summary>The fast HTTP/1.1 forward path (<see cref="Http1Forwarder"/>) on the inbound hop, against an upstream
/// the test drives byte by byte: response framing as RFC 9112 §6.3 defines it, the strict refusals of §5 and §6.3,
/// connection reuse (§9.3), hop-by-hop fields (RFC 9110 §7.6.1), and the exact request bytes.</summary>
public sealed class Http1ForwarderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HttpClient Client() =>
        new(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 1, PooledConnectionLifetime = Timeout.InfiniteTimeSpan });

    private static HttpRequestMessage Get(TestProxy proxy, string path, HttpMethod? method = null) =>
        new(method ?? HttpMethod.Get, new Uri(proxy.InboundUri, path)) { Version = HttpVersion.Version11 };

    [Fact]
    public async Task ChunkedResponse_DecodedAndFramedAgainForTheClient()
    {
        await using var upstream = ScriptedUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream.Port);
        using var client = Client();

        var responding = client.SendAsync(Get(proxy, "/chunked"), Ct);
        await using var connection = await upstream.AcceptAsync(Ct);
        await connection.ReadHeadAsync();
        await connection.SendAsync("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n5\r\nhello\r\n6;name=value\r\n world\r\nA\r\n, chunked!\r\n0\r\nX-Checksum: 1\r\n\r\n");
        using var response = await responding;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("hello world, chunked!", await response.Content.ReadAsStringAsync(Ct));
        Assert.True(response.Headers.TransferEncodingChunked);
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task CloseDelimitedResponse_PassedOnWhole_AndItsConnectionNotReused()
    {
        await using var upstream = ScriptedUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream.Port);
        using var client = Client();

        var responding = client.SendAsync(Get(proxy, "/stream"), Ct);
        await using (var first = await upstream.AcceptAsync(Ct))
        {
            await first.ReadHeadAsync();
            await first.SendAsync("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end ");
            await first.SendAsync("of the connection");
            first.Close();
        }

        using (var response = await responding)
        {
            Assert.Equal("until the end of the connection", await response.Content.ReadAsStringAsync(Ct));
        }

        var again = client.SendAsync(Get(proxy, "/again"), Ct);
        await using var second = await upstream.AcceptAsync(Ct);
        await second.ReadHeadAsync();
        await second.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        using var next = await again;
        Assert.Equal("ok", await next.Content.ReadAsStringAsync(Ct));
        Assert.Equal(2, upstream.Accepted);
    }

    [Fact]
    public async Task IdleConnection_ReusedWithinTheIdleTimeout_ClosedOnceItRunsOut()
    {
        // The pool keeps an idle connection for Http1Forwarder.IdleTimeout (90 s, as the YARP path's
        // PooledConnectionIdleTimeout), no longer.
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using var upstream = ScriptedUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream.Port, time: time);
        using var client = Client();
        await using var first = await ExchangeAsync("/one", null);

        // Idle for a second less than the timeout (the pool's sweeps at a third and two thirds of it included):
        // the next request takes the same connection.
        time.Advance(Http1Forwarder.IdleTimeout - TimeSpan.FromSeconds(1));
        await ExchangeAsync("/two", first);
        Assert.Equal(1, upstream.Accepted);

        // Idle for the whole timeout: the pool closes it by itself, and the next request opens another.
        time.Advance(Http1Forwarder.IdleTimeout);
        Assert.True(await first.ClosedByPeerAsync(), "the idle connection was not closed");
        await using var second = await ExchangeAsync("/three", null);
        Assert.Equal(2, upstream.Accepted);

        async Task<ScriptedUpstream.Connection> ExchangeAsync(string path, ScriptedUpstream.Connection? connection)
        {
            var responding = client.SendAsync(Get(proxy, path), Ct);
            connection ??= await upstream.AcceptAsync(Ct);
            Assert.StartsWith($"GET {path} HTTP/1.1\r\n", await connection.ReadHeadAsync(), StringComparison.Ordinal);
            await connection.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            using var response = await responding;
            Assert.Equal("ok", await response.Content.ReadAsStringAsync(Ct));
            return connection;
        }
    }

    [Theory]
    [InlineData("HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")]
    [InlineData("GET", "HTTP/1.1 204 No Content\r\n\r\n")]
    [InlineData("GET", "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n\r\n")]
    public async Task ResponsesWithoutBody_EndAtTheirHead_AndTheConnectionCarriesTheNextRequest(string method, string head)
    {
        await using var upstream = ScriptedUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream.Port);
        using var client = Client();

        var responding = client.SendAsync(Get(proxy, "/first", new HttpMethod(method)), Ct);
        await using var connection = await upstream.AcceptAsync(Ct);
        Assert.StartsWith($"{method} /first HTTP/1.1\r\n", await connection.ReadHeadAsync(), StringComparison.Ordinal);
        await connection.SendAsync(head);
        using (var response = await responding)
        {
            Assert.Empty(await response.Content.ReadAsByteArrayAsync(Ct));
        }

        // Had the proxy waited for a body, this response's bytes would have been taken for it.
        var second = client.SendAsync(Get(proxy, "/second"), Ct);
        Assert.StartsWith("GET /second HTTP/1.1\r\n", await connection.ReadHeadAsync(), StringComparison.Ordinal);
        await connection.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond");
        using var next = await second;
        Assert.Equal("second", await next.Content.ReadAsStringAsync(Ct));
        Assert.Equal(1, upstream.Accepted);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nX-Folded: one\r\n two\r\nContent-Length: 2\r\n\r\nok")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: -2\r\n\r\nok")]
    [InlineData("HTTP/1.1 200 OK\r\nBad Name: x\r\nContent-Length: 2\r\n\r\nok")]
    [InlineData("HTTP/1.1 200 OK\r\nX-Space : x\r\nContent-Length: 2\r\n\r\nok")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nok")]
    public async Task MalformedResponseHead_502WithTheProxysError_AndTheConnectionClosed(string malformed)
    {
        await using var upstream = ScriptedUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream.Port);
        using var client = Client();

        var responding = client.SendAsync(Get(proxy, "/bad"), Ct);
        await using var connection = await upstream.AcceptAsync(Ct);
        await connection.ReadHeadAsync();
        await connection.SendAsync(malformed);
        using var response = await responding;

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.True(response.Headers.Contains("l5d-proxy-error"));
        Assert.False(response.Headers.Contains("X-Folded"));
        Assert.True(await connection.ClosedByPeerAsync(), "the proxy kept a connection whose framing it could not trust");
    }

    [Fact]
    public async Task ContentLengthListOfOneValue_IsThatLength()
    {
        await using var upstream = ScriptedUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream.Port);
        using var client = Client();

        var responding = client.SendAsync(Get(proxy, "/list"), Ct);
        await using var connection = await upstream.AcceptAsync(Ct);
        await connection.ReadHeadAsync();
        await connection.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 4, 4\r\nContent-Length: 4\r\n\r\nfour");
        using var response = await responding;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(4, response.Content.Headers.ContentLength);
        Assert.Equal("four", await response.Content.ReadAsStringAsync(Ct));
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part of it")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\nmore\r\n0\r\n\r\n")]
    public async Task UpstreamFailsMidBody_TheClientNeverTakesItForAWholeResponse(string cutOrMalformed)
    {
        await using var upstream = ScriptedUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream.Port);
        using var client = Client();

        var responding = client.SendAsync(Get(proxy, "/cut"), HttpCompletionOption.ResponseHeadersRead, Ct);
        await using (var connection = await upstream.AcceptAsync(Ct))
        {
            await connection.ReadHeadAsync();
            await connection.SendAsync(cutOrMalformed);
            connection.Close();
        }

        // Either the head was already passed on and the client's connection is then aborted (which may reset it
        // before the client read the head), or nothing was and the client gets the proxy's 502: never a 200 that
        // reads as complete.
        HttpResponseMessage response;
        try
        {
            response = await responding;
        }
        catch (HttpRequestException)
        {
            return;
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.OK)
            {
                await Assert.ThrowsAnyAsync<Exception>(async () => await response.Content.ReadAsByteArrayAsync(Ct));
            }
            else
            {
                Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
                Assert.True(response.Headers.Contains("l5d-proxy-error"));
            }
        }
    }

    [Fact]
    public async Task KeepAlive_ManyRequestsOnOneUpstreamConnection_WithTheRequestBytesExactlyAsSent()
    {
        await using var upstream = ScriptedUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream.Port);
        await using var client = await RawConnection.ConnectAsync(proxy.Inbound);
        ScriptedUpstream.Connection? connection = null;
        try
        {
            for (var i = 0; i < 5; i++)
            {
                await client.SendAsync($"POST /orders/{i}?page=2&q=a%20b HTTP/1.1\r\nHost: app.example:8080\r\nX-Request: {i}\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nbody{i}");
                connection ??= await upstream.AcceptAsync(Ct);
                var head = await connection.ReadHeadAsync();
                var body = await connection.ReadExactAsync(5);

                var lines = head.Split("\r\n");
                Assert.Equal($"POST /orders/{i}?page=2&q=a%20b HTTP/1.1", lines[0]);
                Assert.Equal(
                    new[] { "Content-Length: 5", "Content-Type: text/plain", "Host: app.example:8080", $"X-Request: {i}" },
                    lines[1..^2].Order(StringComparer.Ordinal).ToArray());
                Assert.Equal($"body{i}", body);

                await connection.SendAsync($"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nreply-{i}");
                var reply = await client.ReadUntilAsync($"reply-{i}");
                Assert.Contains("HTTP/1.1 200 OK\r\n", reply, StringComparison.Ordinal);
            }

            Assert.Equal(1, upstream.Accepted);
            var scrape = await proxy.ScrapeWhenAsync(s => s.Sum("response_total", ("direction", "inbound")) == 5);
            Assert.Equal(1, scrape.Sum("tcp_open_total", ("direction", "inbound"), ("peer", "dst")));
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\none")]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\none")]
    public async Task UpstreamSaysClose_ItsConnectionIsNotReused(string closing)
    {
        await using var upstream = ScriptedUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream.Port);
        using var client = Client();

        var responding = client.SendAsync(Get(proxy, "/one"), Ct);
        await using var first = await upstream.AcceptAsync(Ct);
        await first.ReadHeadAsync();
        await first.SendAsync(closing);
        using (var response = await responding)
        {
            Assert.Equal("one", await response.Content.ReadAsStringAsync(Ct));
        }

        Assert.True(await first.ClosedByPeerAsync(), "the proxy kept a connection the upstream asked to close");
        var again = client.SendAsync(Get(proxy, "/two"), Ct);
        await using var second = await upstream.AcceptAsync(Ct);
        await second.ReadHeadAsync();
        await second.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo");
        using var next = await again;
        Assert.Equal("two", await next.Content.ReadAsStringAsync(Ct));
        Assert.Equal(2, upstream.Accepted);
    }

    [Fact]
    public async Task PooledConnectionClosedByTheUpstream_NextRequestSucceedsOnANewConnection()
    {
        await using var upstream = ScriptedUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream.Port);
        using var client = Client();

        var responding = client.SendAsync(Get(proxy, "/one"), Ct);
        var first = await upstream.AcceptAsync(Ct);
        await first.ReadHeadAsync();
        await first.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none");
        (await responding).Dispose();
        first.Close();

        var again = client.SendAsync(Get(proxy, "/two"), Ct);
        await using var second = await upstream.AcceptAsync(Ct);
        await second.ReadHeadAsync();
        await second.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo");
        using var next = await again;
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal("two", await next.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task ReusedConnectionClosedBeforeAnyResponseByte_RequestResentOnceOnANewConnection()
    {
        await using var upstream = ScriptedUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream.Port);
        using var client = Client();

        var responding = client.SendAsync(Get(proxy, "/one"), Ct);
        var first = await upstream.AcceptAsync(Ct);
        await first.ReadHeadAsync();
        await first.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none");
        (await responding).Dispose();

        // The upstream takes the next request on the pooled connection, then closes it without a word.
        var again = client.SendAsync(Get(proxy, "/two"), Ct);
        Assert.StartsWith("GET /two HTTP/1.1\r\n", await first.ReadHeadAsync(), StringComparison.Ordinal);
        first.Close();
        await using var second = await upstream.AcceptAsync(Ct);
        Assert.StartsWith("GET /two HTTP/1.1\r\n", await second.ReadHeadAsync(), StringComparison.Ordinal);
        await second.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo");
        using var next = await again;
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal("two", await next.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task ChunkedRequestBody_ArrivesIntactAndChunked()
    {
        await using var upstream = ScriptedUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream.Port);
        await using var client = await RawConnection.ConnectAsync(proxy.Inbound);

        await client.SendAsync("POST /upload HTTP/1.1\r\nHost: app\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
        await using var connection = await upstream.AcceptAsync(Ct);
        var head = await connection.ReadHeadAsync();
        Assert.Contains("\r\nTransfer-Encoding: chunked\r\n", head, StringComparison.Ordinal);
        Assert.DoesNotContain("Content-Length", head, StringComparison.OrdinalIgnoreCase);
        await client.SendAsync("7;ext=1\r\n, world\r\n0\r\n\r\n");
        var body = await connection.ReadUntilAsync("0\r\n\r\n");
        Assert.Equal("hello, world", DecodeChunked(body));

        await connection.SendAsync("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 201 Created\r\n", await client.ReadUntilAsync("\r\n\r\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HopByHopFields_NotForwardedEitherWay()
    {
        await using var upstream = ScriptedUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream.Port);
        await using var client = await RawConnection.ConnectAsync(proxy.Inbound);

        await client.SendAsync("GET /hop HTTP/1.1\r\nHost: app\r\nConnection: keep-alive, X-Secret\r\nX-Secret: s\r\nKeep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\nX-Kept: k\r\n\r\n");
        await using var connection = await upstream.AcceptAsync(Ct);
        var head = await connection.ReadHeadAsync();
        var names = head.Split("\r\n")[1..^2].Select(l => l[..l.IndexOf(':', StringComparison.Ordinal)].ToLowerInvariant()).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(new[] { "host", "x-kept" }, names);

        await connection.SendAsync("HTTP/1.1 200 OK\r\nConnection: X-Upstream-Secret\r\nX-Upstream-Secret: 1\r\nKeep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nX-Upstream-Kept: 1\r\nContent-Length: 2\r\n\r\nok");
        var response = await client.ReadUntilAsync("\r\n\r\nok");
        Assert.Contains("\r\nX-Upstream-Kept: 1\r\n", response, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("X-Upstream-Secret", response, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Keep-Alive:", response, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Proxy-Connection", response, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Outbound_PlaintextEndpoint_KeepAliveOnOneUpstreamConnection()
    {
        await using var upstream = ScriptedUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(1, [TestProxy.Service("backend", 80, upstream.Port)]);
        using var client = Client();
        ScriptedUpstream.Connection? connection = null;
        try
        {
            for (var i = 0; i < 3; i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(proxy.OutboundUri, $"/out/{i}")) { Version = HttpVersion.Version11 };
                request.Headers.Host = "backend";
                var responding = client.SendAsync(request, Ct);
                connection ??= await upstream.AcceptAsync(Ct);
                var head = await connection.ReadHeadAsync();
                Assert.StartsWith($"GET /out/{i} HTTP/1.1\r\n", head, StringComparison.Ordinal);
                Assert.Contains("\r\nHost: backend\r\n", head, StringComparison.Ordinal);
                await connection.SendAsync($"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nout-{i}");
                using var response = await responding;
                Assert.Equal($"out-{i}", await response.Content.ReadAsStringAsync(Ct));
            }

            Assert.Equal(1, upstream.Accepted);
            var scrape = await proxy.ScrapeWhenAsync(s => s.Sum("response_total", ("direction", "outbound")) == 3);
            Assert.Equal(1, scrape.Sum("tcp_open_total", ("direction", "outbound"), ("peer", "dst")));
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
    public async Task YarpPathChosen_ByTheSwitch_StillForwards()
    {
        await using var upstream = ScriptedUpstream.Start();
        await using var proxy = await TestProxy.StartAsync(upstream.Port, configure: c => c with { FastHttp1Forwarder = false });
        using var client = Client();

        var responding = client.SendAsync(Get(proxy, "/yarp"), Ct);
        await using var connection = await upstream.AcceptAsync(Ct);
        var head = await connection.ReadHeadAsync();
        await connection.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nyarp");
        using var response = await responding;

        Assert.Equal("yarp", await response.Content.ReadAsStringAsync(Ct));
        // SocketsHttpHandler writes its own head: the request line is the same, the field set is its own.
        Assert.StartsWith("GET /yarp HTTP/1.1\r\n", head, StringComparison.Ordinal);
    }

    // RFC 9112 §7.1.3's decoding, without extensions or trailers kept.
    private static string DecodeChunked(string body)
    {
        var result = new StringBuilder();
        var at = 0;
        while (true)
        {
            var eol = body.IndexOf("\r\n", at, StringComparison.Ordinal);
            var sizeText = body[at..eol];
            var semicolon = sizeText.IndexOf(';', StringComparison.Ordinal);
            var size = Convert.ToInt32(semicolon < 0 ? sizeText : sizeText[..semicolon], 16);
            if (size == 0)
            {
                return result.ToString();
            }

            result.Append(body, eol + 2, size);
            at = eol + 2 + size + 2;
        }
    }
}
