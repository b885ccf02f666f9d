using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Linnet.EndToEnd.Tests.Infrastructure;

/// <summary>A generic webhook receiver on loopback (the control plane's <c>webhook</c> notification target, Keel's
/// JSON body): keeps every notification it was sent, in order.</summary>
internal sealed class NotificationSink : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<JsonNode> _received = new();

    private NotificationSink(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    /// <summary>Every notification so far.</summary>
    public IReadOnlyList<JsonNode> Received => [.. _received];

    public static async Task<NotificationSink> StartAsync(CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var sink = new NotificationSink(app);
        app.MapPost("/keel", async (HttpContext context) =>
        {
            sink._received.Enqueue((await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted))!);
            context.Response.StatusCode = 200;
        });
        await app.StartAsync(ct);
        sink.Url = new Uri(new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()), "/keel");
        return sink;
    }

    /// <summary>The notifications named <paramref name="name"/> (Keel's <c>name</c>: "release promoted", ...).</summary>
    public List<JsonNode> Named(string name) => [.. Received.Where(n => n["name"]?.GetValue<string>() == name)];

    /// <summary>Waits until <paramref name="count"/> notifications named <paramref name="name"/> have arrived; returns the last.</summary>
    public async Task<JsonNode> WaitForAsync(string name, int count, TimeSpan timeout, CancellationToken ct)
    {
        await Eventually.UntilAsync(() => Named(name).Count >= count, timeout, $"{count} notification(s) '{name}'", ct,
            () => string.Join('\n', Received.Select(n => $"{n["name"]}: {n["message"]}")));
        return Named(name)[count - 1];
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
