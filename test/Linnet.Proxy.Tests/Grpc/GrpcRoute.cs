using Grpc.Net.Client;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Testing;

namespace Linnet.Proxy.Tests.Grpc;

/// <summary>A gRPC echo server behind its own proxy, called through the proxy's inbound listener (the
/// proxy in front of the server) or its outbound listener: there the client dials <c>http://backend</c>
/// as an app would, and its connections land on the proxy's outbound port.</summary>
internal sealed class GrpcRoute : IAsyncDisposable
{
    public const string Inbound = "inbound";
    public const string Outbound = "outbound";

    private readonly GrpcChannel _channel;

    private GrpcRoute(string direction, GrpcTestService server, TestProxy proxy)
    {
        Direction = direction;
        Server = server;
        Proxy = proxy;
        var handler = direction == Outbound ? OutboundGrpc.Handler(proxy.Outbound) : new SocketsHttpHandler { UseProxy = false };

        var address = direction == Outbound ? new Uri("http://backend:80") : proxy.InboundUri;
        _channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        Client = new Echo.EchoClient(_channel);
    }

    /// <summary><see cref="Inbound"/> or <see cref="Outbound"/>, as in the metrics' <c>direction</c> label.</summary>
    public string Direction { get; }

    public GrpcTestService Server { get; }

    public TestProxy Proxy { get; }

    public Echo.EchoClient Client { get; }

    public static async Task<GrpcRoute> StartAsync(string direction, CancellationToken cancellationToken)
    {
        var server = await GrpcTestService.StartAsync("echo-1", cancellationToken);
        try
        {
            var proxy = direction == Outbound
                ? await TestProxy.StartAsync(appPort: 1, services: [TestProxy.Service("backend", 80, server.Port)])
                : await TestProxy.StartAsync(server.Port);
            return new GrpcRoute(direction, server, proxy);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await Proxy.DisposeAsync();
        await Server.DisposeAsync();
    }
}
