using System.Buffers.Binary;
using System.Net;
using System.Text;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Testing;

namespace Linnet.Proxy.Tests.Http;

public sealed class BadInputTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task AssertStillServesAsync(TestProxy proxy)
    {
        using var client = new HttpClient();
        Assert.Equal("hello from app", await client.GetStringAsync(new Uri(proxy.InboundUri, "/hello"), Ct));
    }

    [Theory]
    [InlineData("GET /a b c HTTP/1.1\r\nHost: app\r\n\r\n")]
    [InlineData("GET /\x01 HTTP/1.1\r\nHost: app\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: app\r\nBad Header: x\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: app\r\nX: a\0b\r\n\r\n")]
    public Task MalformedRequest_Gets400AndIsNotForwarded(string request) => AssertRejectedWith400Async(request);

    [Fact]
    public async Task HeaderSectionOverLimit_Gets431()
    {
        await using var app = await HttpTestApp.StartAsync("app", cancellationToken: Ct);
        await using var proxy = await TestProxy.StartAsync(app.Port);
        await using var raw = await RawConnection.ConnectAsync(proxy.Inbound);

        var big = new StringBuilder("GET /hello HTTP/1.1\r\nHost: app\r\n");
        for (var i = 0; i < 100; i++)
        {
            big.Append(CultureInfoInvariant($"X-Filler-{i}: {new string('a', 1000)}\r\n"));
        }

        await raw.SendAsync(big.Append("\r\n").ToString());
        var response = Encoding.ASCII.GetString(await raw.ReadToEndAsync());

        Assert.StartsWith("HTTP/1.1 431 ", response, StringComparison.Ordinal);
        Assert.Equal(0, app.RequestCount);
        await AssertStillServesAsync(proxy);
    }

    [Theory]
    [InlineData("POST /echo HTTP/1.1\r\nHost: app\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")]
    [InlineData("POST /echo HTTP/1.1\r\nHost: app\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n")]
    [InlineData("POST /echo HTTP/1.1\r\nHost: app\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!")]
    [InlineData("POST /echo HTTP/1.1\r\nHost: app\r\nContent-Length: 5, 6\r\n\r\nhello!")]
    public Task AmbiguousFraming_Gets400AndIsNeverForwarded(string request) => AssertRejectedWith400Async(request);

    [Theory]
    [InlineData("data-on-stream-0", 1u)]
    [InlineData("headers-even-stream", 1u)]
    [InlineData("settings-length", 6u)] // RFC 9113 §6.5: FRAME_SIZE_ERROR for this one
    public async Task InvalidHttp2Frame_GetsGoAwayWithTheRfcError(string kind, uint errorCode)
    {
        await using var app = await HttpTestApp.StartAsync("app", cancellationToken: Ct);
        await using var proxy = await TestProxy.StartAsync(app.Port);
        await using var raw = await RawConnection.ConnectAsync(proxy.Inbound);

        await raw.SendAsync("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        await raw.SendAsync(Frame(0x4, 0, 0, [])); // empty SETTINGS
        await raw.SendAsync(kind switch
        {
            "settings-length" => Frame(0x4, 0, 0, [0, 1, 0]),
            "data-on-stream-0" => Frame(0x0, 0x1, 0, [1, 2, 3]),
            _ => Frame(0x1, 0x5, 2, [0x82]),
        });
        var received = await raw.ReadToEndAsync();

        var goAway = FindFrame(received, 0x7);
        Assert.NotNull(goAway);
        Assert.Equal(errorCode, BinaryPrimitives.ReadUInt32BigEndian(goAway.AsSpan(4, 4)));
        Assert.Equal(0, app.RequestCount);
        await AssertStillServesAsync(proxy);
    }

    // A rejected request gets 400, never reaches the app, and the proxy goes on serving others.
    private static async Task AssertRejectedWith400Async(string request)
    {
        await using var app = await HttpTestApp.StartAsync("app", cancellationToken: Ct);
        await using var proxy = await TestProxy.StartAsync(app.Port);
        await using var raw = await RawConnection.ConnectAsync(proxy.Inbound);

        await raw.SendAsync(request);
        var response = Encoding.ASCII.GetString(await raw.ReadToEndAsync());

        Assert.StartsWith("HTTP/1.1 400 ", response, StringComparison.Ordinal);
        Assert.Equal(0, app.RequestCount);
        await AssertStillServesAsync(proxy);
    }

    private static byte[] Frame(byte type, byte flags, int stream, byte[] payload)
    {
        var frame = new byte[9 + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = type;
        frame[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), stream);
        payload.CopyTo(frame, 9);
        return frame;
    }

    private static byte[]? FindFrame(byte[] data, byte type)
    {
        var offset = 0;
        while (offset + 9 <= data.Length)
        {
            var length = (data[offset] << 16) | (data[offset + 1] << 8) | data[offset + 2];
            if (data[offset + 3] == type && offset + 9 + length <= data.Length)
            {
                return data.AsSpan(offset + 9, length).ToArray();
            }

            offset += 9 + length;
        }

        return null;
    }

    private static string CultureInfoInvariant(FormattableString text) => FormattableString.Invariant(text);
}
