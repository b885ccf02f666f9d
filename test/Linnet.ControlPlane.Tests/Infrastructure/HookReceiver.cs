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

namespace Linnet.ControlPlane.Tests.Infrastructure;

/// <summary>Flagger webhook receivers on loopback (Kestrel): every POST is recorded (path, JSON body, headers);
/// each path answers with the status set for it (default 200), a queue of statuses taken first, and waits
/// <see cref="Delay"/> first when one is set for it.</summary>
internal sealed class HookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _status = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentQueue<int>> _queued = new(StringComparer.Ordinal);

    private HookReceiver(WebApplication app) => _app = app;

    public IPEndPoint EndPoint { get; private set; } = null!;

    public Uri Url(string path) => new($"http://{EndPoint}/{path}");

    /// <summary>Every request so far, in arrival order.</summary>
    public ConcurrentQueue<(string Path, JsonObject Body, IReadOnlyDictionary<string, string> Headers)> Received { get; } = new();

    public Channel<string> Arrivals { get; } = Channel.CreateUnbounded<string>();

    public ConcurrentDictionary<string, TimeSpan> Delay { get; } = new(StringComparer.Ordinal);

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

    public void Answer(string path, int status) => _status[path] = status;

    public void Queue(string path, params int[] statuses) => _queued[path] = new ConcurrentQueue<int>(statuses);

    public List<JsonObject> Bodies(string path) => [.. Received.Where(r => r.Path == path).Select(r => r.Body)];

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
