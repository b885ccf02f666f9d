using System.Net;
using System.Net.Sockets;
using Grpc.Net.Client;

namespace Linnet.Proxy.Tests.Infrastructure;

/// <summary>gRPC clients that dial as an app in the mesh does: to a service's name (<c>http://backend:80</c>),
/// every connection landing on a proxy's outbound listener, as the redirect would send it.</summary>
internal static class OutboundGrpc
{
    /// <summary>A handler whose connections all go to <paramref name="outbound"/>, whatever the request's host.</summary>
    public static SocketsHttpHandler Handler(IPEndPoint outbound) => new()
    {
        UseProxy = false,
        ConnectCallback = async (_, cancellationToken) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(outbound, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    /// <summary>A channel to <paramref name="address"/> through <paramref name="proxy"/>'s outbound listener.</summary>
    public static GrpcChannel Channel(TestProxy proxy, string address) =>
        GrpcChannel.ForAddress(new Uri(address), new GrpcChannelOptions { HttpHandler = Handler(proxy.Outbound), DisposeHttpClient = true });
}
