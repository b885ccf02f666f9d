using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Linnet.Proxy.Tests.Resilience;

/// <summary>A Kestrel backend on 127.0.0.1:&lt;ephemeral&gt; (HTTP/1.1 and h2c by prior knowledge) whose
/// answer the test scripts: the script gets each request and its 1-based arrival number.</summary>
internal sealed class ScriptedBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requestCount;

    private ScriptedBackend(WebApplication app, Func<HttpContext, int, Task> script)
    {
        _app = app;
        Script = script;
    }

    public int Port { get; private set; }

    public int RequestCount => Volatile.Read(ref _requestCount);

    /// <summary>Replaceable while running (for a backend that fails and then recovers).</summary>
    public Func<HttpContext, int, Task> Script { get; set; }

    public static async Task<ScriptedBackend> StartAsync(Func<HttpContext, int, Task> script, CancellationToken cancellationToken, HttpProtocols protocols = HttpProtocols.Http1)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(options => options.Listen(IPAddress.Loopback, 0, o => o.Protocols = protocols));
        var app = builder.Build();
        var backend = new ScriptedBackend(app, script);
        app.Run(context => backend.Script(context, Interlocked.Increment(ref backend._requestCount)));
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        backend.Port = new Uri(address).Port;
        return backend;
    }

    public static Task Ok(HttpContext context) => context.Response.WriteAsync("ok", context.RequestAborted);

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}
