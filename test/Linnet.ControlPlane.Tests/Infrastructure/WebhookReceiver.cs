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

/// <summary>A chat service's incoming webhook on loopback: records every POST (path, content type, JSON body) and
/// answers with the queued status codes, then 200.</summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<(string Path, string? ContentType, JsonNode Body)> _received = Channel.CreateUnbounded<(string, string?, JsonNode)>();
    private readonly Queue<int> _statuses = new();

    private WebhookReceiver(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    public static async Task<WebhookReceiver> StartAsync(CancellationToken ct, params int[] statuses)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        foreach (var status in statuses)
        {
            receiver._statuses.Enqueue(status);
        }

        app.MapPost("/{**path}", async (HttpContext context) =>
        {
            var body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            int status;
            lock (receiver._statuses)
            {
                status = receiver._statuses.Count > 0 ? receiver._statuses.Dequeue() : 200;
            }

            await receiver._received.Writer.WriteAsync((context.Request.Path + context.Request.QueryString, context.Request.ContentType, body!), context.RequestAborted);
            context.Response.StatusCode = status;
        });
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        receiver.Url = new Uri(new Uri(address), "/services/T000/B000/secret-token");
        return receiver;
    }

    /// <summary>The next request received, waiting for it.</summary>
    public async Task<(string Path, string? ContentType, JsonNode Body)> NextAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        return await _received.Reader.ReadAsync(timeout.Token);
    }

    /// <summary>Requests received and not yet taken.</summary>
    public int Pending => _received.Reader.Count;

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
