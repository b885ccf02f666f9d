using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Linnet.Proxy.Tests.Infrastructure;

/// <summary>A Kestrel app on 127.0.0.1:&lt;ephemeral&gt; (HTTP/1.1 or h2c) that reads every request body to
/// its end and records what it got: length and SHA-256, protocol and content type; requests whose body
/// failed to arrive whole are counted apart. Answers 200 "len:hash".</summary>
internal sealed class BodyRecordingApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Received> _received = new();
    private int _broken;

    private BodyRecordingApp(WebApplication app) => _app = app;

    public int Port { get; private set; }

    /// <summary>Requests whose body arrived whole.</summary>
    public IReadOnlyCollection<Received> Requests => _received;

    /// <summary>Requests whose body did not arrive whole (the sender cut it off).</summary>
    public int Broken => Volatile.Read(ref _broken);

    public static async Task<BodyRecordingApp> StartAsync(HttpProtocols protocols, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(options =>
        {
            options.Limits.MaxRequestBodySize = null;
            options.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = protocols);
        });
        var app = builder.Build();
        var recorder = new BodyRecordingApp(app);
        app.Run(recorder.AnswerAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        recorder.Port = new Uri(address).Port;
        return recorder;
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }

    private async Task AnswerAsync(HttpContext context)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[16 * 1024];
        long total = 0;
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                total += read;
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or Microsoft.AspNetCore.Http.BadHttpRequestException)
        {
            Interlocked.Increment(ref _broken);
            return;
        }

        var received = new Received(context.Request.Protocol, context.Request.ContentType, total, Convert.ToHexStringLower(hash.GetHashAndReset()));
        _received.Enqueue(received);
        await context.Response.WriteAsync($"{received.Length}:{received.Sha256}", context.RequestAborted);
    }

    /// <summary>One whole request body.</summary>
    internal sealed record Received(string Protocol, string? ContentType, long Length, string Sha256);
}
