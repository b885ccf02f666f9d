using Linnet.Api.Hosting;
using System.Net;
using Linnet.Proxy.Admin;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Http;
using Linnet.Proxy.Connections;
using Linnet.Proxy.Listening;
using Linnet.Proxy.Routing;
using Linnet.Proxy.Tcp;
using Linnet.Proxy.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Linnet.Proxy;

/// <summary>One running proxy: Kestrel for HTTP and admin, the proxy's own listeners in front of it.</summary>
internal sealed class ProxyHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ProxyHost(WebApplication app)
    {
        _app = app;
    }

    /// <summary>The inbound listener's bound address.</summary>
    public IPEndPoint InboundEndPoint => Listeners.InboundEndPoint;

    /// <summary>The outbound listener's bound address.</summary>
    public IPEndPoint OutboundEndPoint => Listeners.OutboundEndPoint;

    /// <summary>The admin listener's bound address.</summary>
    public IPEndPoint AdminEndPoint
    {
        get
        {
            var addresses = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
            foreach (var address in addresses)
            {
                if (Uri.TryCreate(address, UriKind.Absolute, out var uri) && IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip))
                {
                    return new IPEndPoint(ip, uri.Port);
                }
            }

            throw new InvalidOperationException("admin listener not bound");
        }
    }

    /// <summary>The proxy's services, for callers that want to wait on it or stop it.</summary>
    public IServiceProvider Services => _app.Services;

    private ProxyListenerService Listeners => _app.Services.GetRequiredService<ProxyListenerService>();

    /// <summary>Builds a proxy from its bootstrap config and a routing-config provider; with no provider,
    /// routing config comes from the control plane the bootstrap config names. <paramref name="random"/>:
    /// see <see cref="ProxyServiceCollectionExtensions.AddLinnetProxy"/>.</summary>
    /// <param name="services">Registrations made before the proxy's own, which win over its defaults
    /// (tests give a <see cref="Identity.ProxyIdentity"/> this way).</param>
    public static ProxyHost Create(BootstrapConfig bootstrap, IProxyConfigProvider? provider, Action<ILoggingBuilder>? logging = null, TimeProvider? time = null, Random? random = null, Action<IServiceCollection>? services = null)
    {
        ArgumentNullException.ThrowIfNull(bootstrap);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.AddLinnetConsole();
        // The handler logs failed forwards itself, with the reason it sends to the client.
        builder.Logging.AddFilter("Yarp", LogLevel.Error);
        logging?.Invoke(builder.Logging);

        services?.Invoke(builder.Services);
        builder.Services.AddLinnetProxy(bootstrap, provider, time ?? TimeProvider.System, random);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = bootstrap.DrainTimeout + TimeSpan.FromSeconds(2));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.MinRequestBodyDataRate = null;
            kestrel.Limits.MinResponseDataRate = null;
            kestrel.Listen(bootstrap.AdminListen, o => o.Protocols = HttpProtocols.Http1);
            kestrel.Listen(DispatchTransportFactory.Http1EndPoint, o => o.Protocols = HttpProtocols.Http1);
            kestrel.Listen(DispatchTransportFactory.Http2EndPoint, o => o.Protocols = HttpProtocols.Http2);
        });

        var app = builder.Build();
        var handler = app.Services.GetRequiredService<HttpProxyHandler>();
        var admin = app.Services.GetRequiredService<AdminEndpoints>();
        app.Run(context => context.Features.Get<ProxyConnectionFeature>() is { } connection
            ? handler.InvokeAsync(context, connection)
            : admin.HandleAsync(context));
        return new ProxyHost(app);
    }

    /// <summary>Starts every listener.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default) => _app.StartAsync(cancellationToken);

    /// <summary>Stops gracefully: no new connections, in-flight work drains within the drain timeout.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    /// <summary>Runs until SIGTERM/SIGINT.</summary>
    public Task RunAsync() => _app.RunAsync();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
