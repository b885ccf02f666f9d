using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Linnet.Testing;

/// <summary>Shared Kestrel set-up for the in-process test peers.</summary>
internal static class TestWebHost
{
    /// <summary>How long disposal waits for in-flight requests before aborting connections.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// A slim builder bound to 127.0.0.1:0 with the given protocols, no configuration sources (so an
    /// appsettings.json or ASPNETCORE_URLS in the test environment cannot add endpoints), no logging
    /// providers and permissive body limits (unbounded size, no minimum data rates).
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(HttpProtocols protocols)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(TestWebHost).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
            Args = [],
        });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IHostLifetime, NoOpHostLifetime>();
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = ShutdownTimeout);
        builder.WebHost.ConfigureKestrel(options =>
        {
            options.AddServerHeader = false;
            options.Limits.MaxRequestBodySize = null;
            options.Limits.MinRequestBodyDataRate = null;
            options.Limits.MinResponseDataRate = null;
            options.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = protocols);
        });
        return builder;
    }

    /// <summary>Starts the app and returns the port Kestrel actually bound.</summary>
    public static async Task<int> StartAsync(WebApplication app, CancellationToken cancellationToken)
    {
        await app.StartAsync(cancellationToken);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses
            ?? throw new InvalidOperationException("Kestrel did not report its bound addresses.");
        return new Uri(addresses.Single()).Port;
    }

    /// <summary>Stops gracefully (bounded by <see cref="ShutdownTimeout"/>) and disposes the app.</summary>
    public static async ValueTask StopAsync(WebApplication app)
    {
        try
        {
            using var timeout = new CancellationTokenSource(ShutdownTimeout);
            await app.StopAsync(timeout.Token);
        }
        finally
        {
            await app.DisposeAsync();
        }
    }
}
