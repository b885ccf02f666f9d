using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Linnet.Proxy.Tests.Balancing;

/// <summary>A Kestrel app on 127.0.0.1:&lt;ephemeral&gt; that answers with its head and a first part of the
/// body at once, and the rest of the body only once <see cref="Release"/> is called.</summary>
internal sealed class HeldBodyBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HeldBodyBackend(WebApplication app) => _app = app;

    public int Port { get; private set; }

    public static async Task<HeldBodyBackend> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(options => options.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var backend = new HeldBodyBackend(app);
        app.Run(backend.AnswerAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        backend.Port = new Uri(address).Port;
        return backend;
    }

    /// <summary>Lets every held response finish.</summary>
    public void Release() => _release.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        Release();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }

    private async Task AnswerAsync(HttpContext context)
    {
        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync("head;", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        await _release.Task.WaitAsync(context.RequestAborted);
        await context.Response.WriteAsync("tail", context.RequestAborted);
    }
}
