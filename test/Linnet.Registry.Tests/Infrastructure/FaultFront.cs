using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Linnet.Registry.Tests.Infrastructure;

/// <summary>A loopback front for a real registry that forwards every pull request and can misbehave on cue: answer
/// 429 with <c>Retry-After</c>, cut a blob download short, or alter the bytes of a blob or manifest. It records
/// what it was asked.</summary>
public sealed class FaultFront : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _upstream;

    private FaultFront(Uri upstream)
    {
        _upstream = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = upstream };
        _app = LoopbackWebHost.CreateBuilder().Build();
        _app.Run(HandleAsync);
    }

    /// <summary>Requests seen: method, path and query, Range header, and when (Stopwatch ticks).</summary>
    public ConcurrentQueue<(string Method, string Path, string? Range, long Timestamp)> Requests { get; } = new();

    /// <summary><c>host:port</c> of the front.</summary>
    public string Host { get; private set; } = "";

    /// <summary>How many of the next matching requests get 429.</summary>
    public int RateLimitCount { get; set; }

    /// <summary>The Retry-After value sent with the 429 (null: none).</summary>
    public string? RetryAfter { get; set; }

    /// <summary>Only requests whose path contains this are rate limited.</summary>
    public string RateLimitPath { get; set; } = "/manifests/";

    /// <summary>When set, the first GET of this blob (path contains it) sends only this many bytes, then the
    /// connection is aborted.</summary>
    public (string Digest, int Bytes)? TruncateOnce { get; set; }

    /// <summary>When set, the first GET of this blob (path contains it) sends this many bytes, then waits for
    /// <c>Release</c> before it sends the rest: a download caught midway, for as long as a test needs.</summary>
    public (string Digest, int Bytes, Task Release)? HoldOnce { get; set; }

    /// <summary>When set, responses whose path contains this have their last byte flipped.</summary>
    public string? CorruptPath { get; set; }

    /// <summary>Starts a front for <paramref name="upstream"/>.</summary>
    public static async Task<FaultFront> StartAsync(Uri upstream)
    {
        var front = new FaultFront(upstream);
        var port = await LoopbackWebHost.StartAsync(front._app);
        front.Host = $"127.0.0.1:{port}";
        return front;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await LoopbackWebHost.StopAsync(_app);
        _upstream.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path + context.Request.QueryString;
        var range = context.Request.Headers.Range.Count > 0 ? context.Request.Headers.Range.ToString() : null;
        Requests.Enqueue((context.Request.Method, path, range, Stopwatch.GetTimestamp()));
        if (RateLimitCount > 0 && path.Contains(RateLimitPath, StringComparison.Ordinal))
        {
            RateLimitCount--;
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            if (RetryAfter is not null)
            {
                context.Response.Headers.RetryAfter = RetryAfter;
            }

            return;
        }

        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), path);
        foreach (var name in new[] { "Accept", "Authorization", "Range" })
        {
            if (context.Request.Headers.TryGetValue(name, out var values))
            {
                request.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }

        using var response = await _upstream.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        var body = await response.Content.ReadAsByteArrayAsync(context.RequestAborted);
        if (TruncateOnce is { } cut && context.Request.Method == "GET" && path.Contains(cut.Digest, StringComparison.Ordinal))
        {
            TruncateOnce = null;
            await context.Response.Body.WriteAsync(body.AsMemory(0, cut.Bytes));
            await context.Response.Body.FlushAsync();
            context.Features.Get<IHttpRequestLifetimeFeature>()!.Abort();
            return;
        }

        if (HoldOnce is { } hold && context.Request.Method == "GET" && path.Contains(hold.Digest, StringComparison.Ordinal))
        {
            HoldOnce = null;
            await context.Response.Body.WriteAsync(body.AsMemory(0, hold.Bytes));
            await context.Response.Body.FlushAsync();
            await hold.Release.WaitAsync(context.RequestAborted);
            await context.Response.Body.WriteAsync(body.AsMemory(hold.Bytes));
            return;
        }

        if (CorruptPath is not null && body.Length > 0 && path.Contains(CorruptPath, StringComparison.Ordinal))
        {
            body[^1] ^= 0xFF;
        }

        if (context.Request.Method != "HEAD")
        {
            await context.Response.Body.WriteAsync(body);
        }
    }
}
