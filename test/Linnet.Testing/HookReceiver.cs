using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Linnet.Testing;

/// <summary>A receiver of JSON webhooks on loopback (Kestrel) — Flagger's webhooks, alert providers, the control
/// plane's notification targets: every POST is recorded (path, JSON body, headers) in arrival order; each path
/// answers with the status set for it (default 200), a queue of statuses taken first, and waits
/// <see cref="Delay"/> first when one is set for it.</summary>
public sealed class HookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _status = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentQueue<int>> _queued = new(StringComparer.Ordinal);
    private readonly Channel<(string Path, JsonObject Body, IReadOnlyDictionary<string, string> Headers)> _untaken = Channel.CreateUnbounded<(string, JsonObject, IReadOnlyDictionary<string, string>)>();
    private TaskCompletionSource _nextArrival = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HookReceiver(WebApplication app) => _app = app;

    /// <summary>Where it listens.</summary>
    public IPEndPoint EndPoint { get; private set; } = null!;

    /// <summary>Every request so far, in arrival order.</summary>
    public ConcurrentQueue<(string Path, JsonObject Body, IReadOnlyDictionary<string, string> Headers)> Received { get; } = new();

    /// <summary>The path of each request as it arrives, for a test that takes them one by one.</summary>
    public Channel<string> Arrivals { get; } = Channel.CreateUnbounded<string>();

    /// <summary>How long a path waits before it answers.</summary>
    public ConcurrentDictionary<string, TimeSpan> Delay { get; } = new(StringComparer.Ordinal);

    /// <summary>Starts a receiver on an ephemeral loopback port.</summary>
    public static async Task<HookReceiver> StartAsync(CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new HookReceiver(app);
        app.MapPost("/{**path}", async (HttpContext context) =>
        {
            var path = context.Request.Path.Value!.TrimStart('/');
            var body = (JsonObject)(await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted))!;
            // Kestrel reuses the header collection once the request ends: keep a copy.
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            receiver.Received.Enqueue((path, body, headers));
            await receiver._untaken.Writer.WriteAsync((path, body, headers), context.RequestAborted);
            Interlocked.Exchange(ref receiver._nextArrival, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            await receiver.Arrivals.Writer.WriteAsync(path, context.RequestAborted);
            if (receiver.Delay.TryGetValue(path, out var delay))
            {
                await Task.Delay(delay, context.RequestAborted);
            }

            context.Response.StatusCode = receiver._queued.TryGetValue(path, out var queue) && queue.TryDequeue(out var queued)
                ? queued
                : receiver._status.GetValueOrDefault(path, 200);
            await context.Response.WriteAsync(context.Response.StatusCode == 200 ? "Approved" : "Forbidden", context.RequestAborted);
        });
        await app.StartAsync(ct);
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        receiver.EndPoint = new IPEndPoint(IPAddress.Loopback, address.Port);
        return receiver;
    }

    /// <summary>The URL of <paramref name="path"/> on this receiver.</summary>
    public Uri Url(string path) => new($"http://{EndPoint}/{path}");

    /// <summary>Answers <paramref name="path"/> with <paramref name="status"/> from now on.</summary>
    public void Answer(string path, int status) => _status[path] = status;

    /// <summary>Answers the next requests to <paramref name="path"/> with <paramref name="statuses"/>, in order.</summary>
    public void Queue(string path, params int[] statuses) => _queued[path] = new ConcurrentQueue<int>(statuses);

    /// <summary>The bodies received at <paramref name="path"/>, in order.</summary>
    public List<JsonObject> Bodies(string path) => [.. Received.Where(r => r.Path == path).Select(r => r.Body)];

    /// <summary>The bodies received at <paramref name="path"/> whose <c>name</c> is <paramref name="name"/> (Keel's
    /// notification body names each notification: "update resource", "release promoted", ...).</summary>
    public List<JsonObject> Named(string path, string name) =>
        [.. Bodies(path).Where(b => b["name"]?.GetValue<string>() == name)];

    /// <summary>Waits, arrival by arrival, until <paramref name="count"/> bodies named <paramref name="name"/> have
    /// arrived at <paramref name="path"/>; returns the last of them. Throws <see cref="TimeoutException"/> listing
    /// what did arrive when <paramref name="timeout"/> passes first.</summary>
    public async Task<JsonObject> WaitForAsync(string path, string name, int count, TimeSpan timeout, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        while (true)
        {
            // Taken before looking, so that an arrival between the look and the wait is not missed.
            var next = Volatile.Read(ref _nextArrival).Task;
            var named = Named(path, name);
            if (named.Count >= count)
            {
                return named[count - 1];
            }

            try
            {
                await next.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"{count} × '{name}' at /{path} did not arrive within {timeout}; arrived:\n"
                    + string.Join('\n', Received.Select(r => $"/{r.Path} {r.Body["name"]}: {r.Body["message"]}")));
            }
        }
    }

    /// <summary>The next request not taken yet by this method, in arrival order, waiting up to 30 s for it.</summary>
    public async Task<(string Path, JsonObject Body, IReadOnlyDictionary<string, string> Headers)> NextAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        return await _untaken.Reader.ReadAsync(timeout.Token);
    }

    /// <summary>Requests not taken yet by <see cref="NextAsync"/>.</summary>
    public int Pending => _untaken.Reader.Count;

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
