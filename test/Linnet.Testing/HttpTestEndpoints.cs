using System.Buffers;
using System.Globalization;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Linnet.Testing;

/// <summary>
/// Endpoints of <see cref="HttpTestApp"/>:
/// <list type="bullet">
/// <item><c>GET /hello</c> → 200 "hello from {name}".</item>
/// <item><c>GET /bytes/{n}</c> → n pattern bytes (<see cref="TestPattern"/>), Content-Length set.</item>
/// <item><c>GET /chunked/{n}</c> → n pattern bytes in several flushed writes, no Content-Length.</item>
/// <item><c>GET /stream/{n}</c> → n pattern bytes in flushed 64 KiB writes, Content-Length set.</item>
/// <item><c>POST /echo</c> → request body streamed back; Content-Type (and Content-Length, if sent) echoed.</item>
/// <item><c>POST /sha256</c> → "len:hash" (decimal length, lower-case hex SHA-256) of the streamed body.</item>
/// <item><c>GET /status/{code}</c> → that status code, empty body.</item>
/// <item><c>GET /headers</c> → JSON object of request headers (lower-case names) plus _protocol, _host, _method, _path.</item>
/// <item><c>GET /trailers</c> → "ok" plus trailer <c>x-trailer-a: 1</c> where trailers are supported (HTTP/2).</item>
/// <item><c>GET /slow/{ms}</c> → waits ms then 200 "slept {ms}".</item>
/// <item><c>/ws</c> → WebSocket echo (text and binary, frame by frame) until the client closes; echoes the close status.</item>
/// </list>
/// </summary>
internal static class HttpTestEndpoints
{
    private const int StreamChunkSize = 64 * 1024;
    private const int SingleWriteLimit = 1024 * 1024;
    private const int MaxChunkedWrite = 16 * 1024;

    public static void Map(WebApplication app, string name)
    {
        var stopping = app.Lifetime.ApplicationStopping;
        var hello = Encoding.UTF8.GetBytes($"hello from {name}");

        app.MapGet("/hello", context => WriteBytesAsync(context, hello, "text/plain; charset=utf-8"));
        app.MapGet("/bytes/{n:long}", (HttpContext context, long n) => BytesAsync(context, n));
        app.MapGet("/chunked/{n:long}", (HttpContext context, long n) => ChunkedAsync(context, n));
        app.MapGet("/stream/{n:long}", (HttpContext context, long n) => StreamAsync(context, n));
        app.MapPost("/echo", EchoAsync);
        app.MapPost("/sha256", Sha256Async);
        app.MapGet("/status/{code:int}", (HttpContext context, int code) => Status(context, code));
        app.MapGet("/headers", HeadersAsync);
        app.MapGet("/trailers", TrailersAsync);
        app.MapGet("/slow/{ms:int}", (HttpContext context, int ms) => SlowAsync(context, ms, stopping));
        app.Map("/ws", context => WebSocketEchoAsync(context, stopping));
    }

    /// <summary>Header names are reported lower-case, as HTTP/2 carries them.</summary>
    internal static string LowerCase(string value) => value.ToLowerInvariant();

    private static Task WriteBytesAsync(HttpContext context, byte[] body, string contentType)
    {
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        return context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    private static Task WriteTextAsync(HttpContext context, string text) =>
        WriteBytesAsync(context, Encoding.UTF8.GetBytes(text), "text/plain; charset=utf-8");

    private static Task BytesAsync(HttpContext context, long n)
    {
        if (n < 0)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return Task.CompletedTask;
        }

        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = n;
        return WritePatternAsync(context, n, n <= SingleWriteLimit ? (int)n : StreamChunkSize);
    }

    private static async Task ChunkedAsync(HttpContext context, long n)
    {
        if (n < 0)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        context.Response.ContentType = "application/octet-stream";
        // Start without a Content-Length so HTTP/1.1 uses chunked transfer-encoding even for n == 0.
        await context.Response.StartAsync(context.RequestAborted);
        var writeSize = (int)Math.Clamp((n + 3) / 4, 1, MaxChunkedWrite);
        await WritePatternAsync(context, n, writeSize);
    }

    private static Task StreamAsync(HttpContext context, long n)
    {
        if (n < 0)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return Task.CompletedTask;
        }

        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = n;
        return WritePatternAsync(context, n, StreamChunkSize);
    }

    private static async Task WritePatternAsync(HttpContext context, long length, int writeSize)
    {
        if (length == 0)
        {
            return;
        }

        var buffer = new byte[writeSize];
        long offset = 0;
        while (offset < length)
        {
            var count = (int)Math.Min(buffer.Length, length - offset);
            TestPattern.Fill(buffer.AsSpan(0, count), offset);
            // Kestrel flushes each Body.WriteAsync, so every write goes out on its own.
            await context.Response.Body.WriteAsync(buffer.AsMemory(0, count), context.RequestAborted);
            offset += count;
        }
    }

    private static async Task EchoAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.ContentType is { } contentType)
        {
            context.Response.ContentType = contentType;
        }

        if (request.ContentLength is { } contentLength)
        {
            context.Response.ContentLength = contentLength;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(StreamChunkSize);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(buffer.AsMemory(0, StreamChunkSize), context.RequestAborted)) > 0)
            {
                await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task Sha256Async(HttpContext context)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(StreamChunkSize);
        long total = 0;
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer.AsMemory(0, StreamChunkSize), context.RequestAborted)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                total += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        var hex = Convert.ToHexStringLower(hash.GetHashAndReset());
        await WriteTextAsync(context, string.Create(CultureInfo.InvariantCulture, $"{total}:{hex}"));
    }

    private static Task Status(HttpContext context, int code)
    {
        context.Response.StatusCode = code is >= 100 and <= 599 ? code : StatusCodes.Status400BadRequest;
        return Task.CompletedTask;
    }

    private static Task HeadersAsync(HttpContext context)
    {
        var request = context.Request;
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var header in request.Headers)
            {
                writer.WriteString(LowerCase(header.Key), header.Value.ToString());
            }

            writer.WriteString("_protocol", request.Protocol);
            writer.WriteString("_host", request.Host.Value);
            writer.WriteString("_method", request.Method);
            writer.WriteString("_path", request.Path.Value + request.QueryString.Value);
            writer.WriteEndObject();
        }

        return WriteBytesAsync(context, buffer.WrittenMemory.ToArray(), "application/json; charset=utf-8");
    }

    private static async Task TrailersAsync(HttpContext context)
    {
        var response = context.Response;
        var trailers = response.SupportsTrailers();
        if (trailers)
        {
            response.DeclareTrailer("x-trailer-a");
        }

        response.ContentType = "text/plain; charset=utf-8";
        await response.Body.WriteAsync("ok"u8.ToArray(), context.RequestAborted);
        if (trailers)
        {
            response.AppendTrailer("x-trailer-a", "1");
        }
    }

    private static async Task SlowAsync(HttpContext context, int ms, CancellationToken stopping)
    {
        if (ms < 0)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        try
        {
            // Task.Delay's timer reads a coarse clock (on Linux CLOCK_MONOTONIC_COARSE, a few ms per tick), so it can end
            // a little before `ms` have passed; callers assert the answer took at least `ms`, so wait out the remainder.
            var started = TimeProvider.System.GetTimestamp();
            for (var left = ms; left > 0; left = ms - (int)TimeProvider.System.GetElapsedTime(started).TotalMilliseconds)
            {
                await Task.Delay(left, linked.Token);
            }
        }
        catch (OperationCanceledException)
        {
            context.Abort();
            return;
        }

        await WriteTextAsync(context, string.Create(CultureInfo.InvariantCulture, $"slept {ms}"));
    }

    private static async Task WebSocketEchoAsync(HttpContext context, CancellationToken stopping)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var buffer = new byte[StreamChunkSize];
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(), linked.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(
                        socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure,
                        socket.CloseStatusDescription,
                        linked.Token);
                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, linked.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            socket.Abort();
        }
    }
}
