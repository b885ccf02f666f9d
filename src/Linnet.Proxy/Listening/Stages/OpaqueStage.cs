using System.Net;
using System.Net.Sockets;
using Linnet.Proxy.Balancing;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Connections;
using Linnet.Proxy.Tcp;
using Linnet.Proxy.Telemetry;
using Linnet.Proxy.Tls;
using Microsoft.Extensions.Logging;

namespace Linnet.Proxy.Listening.Stages;

/// <summary>The end of the path for opaque bytes: relays them to the app (inbound, plaintext or from a client
/// proxy's mTLS), to an endpoint of a service port's service (over mTLS when it is meshed), or to the original
/// destination (outbound); with none of these, closes the connection.</summary>
internal sealed partial class OpaqueStage(OpaqueForwarder opaque, MeshTls mesh, BootstrapConfig config, ProxyMetrics metrics, ILogger<OpaqueStage> logger) : IConnectionStage
{
    /// <inheritdoc />
    public string Name => "opaque";

    /// <inheritdoc />
    public Task InvokeAsync(AcceptedConnection connection, ConnectionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var socket = connection.Socket;
        var feature = connection.Feature;
        var abort = connection.Drain.Abort;
        if (connection.MeshStream is { } ssl)
        {
            return opaque.ForwardAsync(RelayEnd.ForTls(ssl, connection.MeshGate!, socket), connection.Series!, config.AppHost, feature.TargetPort, abort);
        }

        var series = connection.SeriesOrPlaintext();
        switch (feature.Role)
        {
            case ListenerRole.Inbound:
                return connection.Drain.TrackAsync(opaque.ForwardAsync(socket, series, Direction.Inbound, config.AppHost, feature.TargetPort, abort));
            case ListenerRole.ServicePort when feature.Service?.Balancer.Pick() is { } endpoint:
                return connection.Drain.TrackAsync(ForwardToEndpointAsync(socket, series, endpoint, abort));
            case ListenerRole.Outbound when feature.OriginalDestination is { } od:
                return connection.Drain.TrackAsync(opaque.ForwardAsync(socket, series, Direction.Outbound, od.Address.ToString(), od.Port, abort));
            default:
                // Opaque bytes with no destination: nothing names where they should go.
                metrics.ProxyError(Direction.Outbound, "no_destination");
                Log.NoDestination(logger, socket.RemoteEndPoint);
                return Task.CompletedTask;
        }
    }

    private async Task ForwardToEndpointAsync(Socket socket, TcpSeries series, EndpointState endpoint, CancellationToken abort)
    {
        endpoint.Begin();
        try
        {
            if (mesh.Enabled && endpoint.Config.Identity is { } identity)
            {
                await opaque.ForwardMeshAsync(socket, series, endpoint, identity, abort);
                return;
            }

            await opaque.ForwardAsync(socket, series, Direction.Outbound, endpoint.Config.Host, endpoint.Config.Port, endpoint, abort);
        }
        finally
        {
            endpoint.End();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Opaque connection from {Remote} has no destination (no service port, no original destination); closed")]
        public static partial void NoDestination(ILogger logger, EndPoint? remote);
    }
}
