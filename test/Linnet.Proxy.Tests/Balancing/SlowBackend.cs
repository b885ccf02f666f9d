using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Linnet.Proxy.Tests.Balancing;

/// <summary>A Kestrel app on 127.0.0.1:&lt;ephemeral&gt; that answers every request after a fixed delay.</summary>
internal sealed class SlowBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TimeSpan _delay;
    private int _requestCount;

    private SlowBackend(WebApplication app, TimeSpan delay)
    {
        _app = app;
        _delay = delay;
    }

    public int Port { get; private set; }

    public int RequestCount => Volatile.Read(ref _requestCount);

    public static async Task<SlowBackend> StartAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(options => options.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var backend = new SlowBackend(app, delay);
        app.Run(backend.AnswerAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        backend.Port = new Uri(address).Port;
        return backend;
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }

    private async Task AnswerAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requestCount);

        // The delay is the behaviour under test (a slow endpoint), not a stand-in for synchronisation.
        await Task.Delay(_delay, context.RequestAborted);
        await context.Response.WriteAsync("slow", context.RequestAborted);
    }
}
