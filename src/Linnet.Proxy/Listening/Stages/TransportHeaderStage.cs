using System.Net;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Detection;
using Linnet.Proxy.Telemetry;
using Linnet.Proxy.Tls;
using Microsoft.Extensions.Logging;

namespace Linnet.Proxy.Listening.Stages;

/// <summary>Opaque bytes over a client proxy's mTLS start with a <see cref="TransportHeader"/> naming the app
/// port they are for: read it (bounded by the detect timeout), refuse a port the app does not serve
/// (<see cref="TransportTarget"/>), and make it the connection's target.</summary>
internal sealed partial class TransportHeaderStage(BootstrapConfig config, ProxyPorts ownPorts, ProxyMetrics metrics, TimeProvider time, ILogger<TransportHeaderStage> logger) : IConnectionStage
{
    /// <inheritdoc />
    public string Name => "transport-header";

    /// <inheritdoc />
    public async Task InvokeAsync(AcceptedConnection connection, ConnectionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(next);
        if (connection.MeshStream is not { } ssl || connection.Protocol != DetectedProtocol.Opaque)
        {
            await next(connection);
            return;
        }

        int port;
        using (var timeout = new CancellationTokenSource(config.DetectTimeout, time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, connection.Drain.Abort))
        {
            try
            {
                port = await TransportHeader.ReadAsync(ssl, linked.Token);
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or OperationCanceledException)
            {
                metrics.ProxyError(Direction.Inbound, "bad_transport_header");
                Log.BadHeader(logger, connection.Socket.RemoteEndPoint, ex.Message);
                return;
            }
        }

        // Addressed to the proxy itself (universal mode: the endpoint is the proxy's inbound port): the app's
        // port. Otherwise the port the client proxy was asked for (transparent mode).
        var localPort = (connection.Socket.LocalEndPoint as IPEndPoint)?.Port;
        var target = port == localPort ? config.AppPort : port;
        if (TransportTarget.Refusal(target, config, ownPorts) is { } refusal)
        {
            // A caller naming the proxy's own listeners is probing for a pivot: counted and named.
            metrics.ProxyError(Direction.Inbound, "forbidden_target_port");
            Log.ForbiddenTarget(logger, connection.Feature.ClientIdentity ?? "", connection.Socket.RemoteEndPoint, target, refusal);
            return;
        }

        connection.Feature = connection.Feature with { TargetPort = target };
        await next(connection);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Inbound mTLS connection from {Remote} sent no valid transport header; closed: {Reason}")]
        public static partial void BadHeader(ILogger logger, EndPoint? remote, string reason);

        [LoggerMessage(2, LogLevel.Warning, "Inbound mTLS connection from {ClientIdentity} at {Remote} named port {Port} in its transport header, {Reason}; refused")]
        public static partial void ForbiddenTarget(ILogger logger, string clientIdentity, EndPoint? remote, int port, string reason);
    }
}
