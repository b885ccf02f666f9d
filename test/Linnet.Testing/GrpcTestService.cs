using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Linnet.Testing;

/// <summary>
/// An in-process gRPC server (h2c on 127.0.0.1:&lt;ephemeral&gt;) implementing <c>linnet.testing.Echo</c>
/// (Protos/echo.proto). Clients: <c>new Echo.EchoClient(GrpcChannel.ForAddress(...))</c>.
/// Every call sets response trailer <c>x-served-by: {name}</c>; replies carry <c>served_by = name</c>.
/// </summary>
public sealed class GrpcTestService : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly EchoService _service;
    private int _disposed;

    private GrpcTestService(WebApplication app, EchoService service, string name)
    {
        _app = app;
        _service = service;
        Name = name;
    }

    /// <summary>The server name reported in <c>served_by</c> and the <c>x-served-by</c> trailer.</summary>
    public string Name { get; }

    /// <summary>The bound TCP port on 127.0.0.1.</summary>
    public int Port { get; private set; }

    /// <summary><c>http://127.0.0.1:{Port}/</c> (h2c).</summary>
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    /// <summary>Number of calls (of any kind) that reached the service.</summary>
    public int CallCount => _service.CallCount;

    /// <summary>Starts the server.</summary>
    public static async Task<GrpcTestService> StartAsync(string name = "grpc", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        var service = new EchoService(name);
        var builder = TestWebHost.CreateBuilder(HttpProtocols.Http2);
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(service);
        var app = builder.Build();
        var server = new GrpcTestService(app, service, name);
        try
        {
            app.MapGrpcService<EchoService>();
            server.Port = await TestWebHost.StartAsync(app, cancellationToken);
            return server;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await TestWebHost.StopAsync(_app);
        }
    }
}
