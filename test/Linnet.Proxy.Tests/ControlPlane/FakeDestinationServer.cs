using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Linnet.Proxy.Tests.ControlPlane;

/// <summary>A real gRPC server (Kestrel, h2c on 127.0.0.1) serving <see cref="FakeDestinationService"/>. It
/// can be stopped (connections are then refused) and started again on the same port, keeping its model.</summary>
internal sealed class FakeDestinationServer : IAsyncDisposable
{
    private WebApplication? _app;

    private FakeDestinationServer()
    {
    }

    public FakeDestinationService Service { get; } = new();

    public int Port { get; private set; }

    /// <summary><c>127.0.0.1:port</c>, as the proxy's bootstrap config names a control plane.</summary>
    public string Address => $"127.0.0.1:{Port}";

    public static async Task<FakeDestinationServer> StartAsync()
    {
        var server = new FakeDestinationServer();
        await server.StartOnAsync(0);
        return server;
    }

    /// <summary>Starts again on the port it had.</summary>
    public Task RestartAsync() => StartOnAsync(Port);

    /// <summary>Ends the open streams and stops listening: new connections are refused.</summary>
    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            Service.EndStreams();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await app.StopAsync(timeout.Token);
            await app.DisposeAsync();
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private async Task StartOnAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(Service);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, o => o.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        app.MapGrpcService<FakeDestinationService>();
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Port = new Uri(address).Port;
        _app = app;
    }
}
