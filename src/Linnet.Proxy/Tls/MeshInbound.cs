using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Linnet.Proxy.Authorization;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Detection;
using Linnet.Proxy.Http;
using Linnet.Proxy.Listening;
using Linnet.Proxy.Tcp;
using Linnet.Proxy.Telemetry;
using Microsoft.Extensions.Logging;

namespace Linnet.Proxy.Tls;

/// <summary>The inbound end of the mesh: terminates a client proxy's mTLS, then hands HTTP/2 to Kestrel
/// (with the client's identity on the connection) or reads the transport header and relays opaque bytes to
/// the app's port.</summary>
internal sealed partial class MeshInbound(
    MeshTls tls,
    DispatchTransportFactory dispatch,
    OpaqueForwarder opaque,
    InboundAuthorizer authorizer,
    ProxyPorts ownPorts,
    BootstrapConfig config,
    ProxyMetrics metrics,
    TimeProvider time,
    ILogger<MeshInbound> logger)
{
    /// <summary>Handles a connection whose ClientHello offered a mesh protocol (nothing consumed yet).</summary>
    /// <returns>True when the connection was handed on (to Kestrel) and must not be closed by the caller.</returns>
    public async Task<bool> HandleAsync(Socket socket, ProxyConnectionFeature feature, CancellationToken abort)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(feature);
        SslStream ssl;
        string clientIdentity;
        var gate = new TlsShutdownGate();
        using (var timeout = new CancellationTokenSource(config.DetectTimeout, time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, abort))
        {
            try
            {
                (ssl, clientIdentity) = await tls.AcceptAsync(gate.Wrap(new NetworkStream(socket, ownsSocket: false)), linked.Token);
            }
            catch (Exception ex) when (ex is MeshTlsException or OperationCanceledException or IOException)
            {
                metrics.ProxyError(Direction.Inbound, "tls_handshake_failed");
                Log.HandshakeFailed(logger, socket.RemoteEndPoint, ex.Message);
                return false;
            }
        }

        var series = metrics.Tcp(Direction.Inbound, "src", TlsLabel.ForClient(clientIdentity));
        series.OnOpen();
        var opened = time.GetTimestamp();
        var meshFeature = feature with { ClientIdentity = clientIdentity };
        if (ssl.NegotiatedApplicationProtocol == MeshAlpn.Http2)
        {
            // The counting stream closes the series when Kestrel disposes the connection; the connection
            // owns the socket from here.
            var counted = new CountingStream(new SocketOwningStream(ssl, socket), series, () => time.GetElapsedTime(opened).TotalMilliseconds);
            var connection = new StreamConnection(counted, socket.LocalEndPoint, socket.RemoteEndPoint, null);
            connection.Features.Set(meshFeature);
            if (!dispatch.Get(DetectedProtocol.Http2).TryDispatch(connection))
            {
                await connection.DisposeAsync();
            }

            return true;
        }

        try
        {
            await using (ssl)
            {
                var port = await ReadHeaderAsync(ssl, socket, abort);
                if (port is null)
                {
                    return false;
                }

                // Addressed to the proxy itself (universal mode: the endpoint is the proxy's inbound port):
                // the app's port. Otherwise the port the client proxy was asked for (transparent mode).
                var localPort = (socket.LocalEndPoint as IPEndPoint)?.Port;
                var target = port == localPort ? config.AppPort : port.Value;
                if (TransportTarget.Refusal(target, config, ownPorts) is { } refusal)
                {
                    // A caller naming the proxy's own listeners is probing for a pivot: counted and named.
                    metrics.ProxyError(Direction.Inbound, "forbidden_target_port");
                    Log.ForbiddenTarget(logger, clientIdentity, socket.RemoteEndPoint, target, refusal);
                    return false;
                }

                if (!authorizer.AuthorizeTcp(meshFeature with { TargetPort = target }, socket.RemoteEndPoint))
                {
                    // Refused by the inbound policy: closed here, the app never sees the connection.
                    return false;
                }

                await opaque.ForwardAsync(RelayEnd.ForTls(ssl, gate, socket), series, config.AppHost, target, abort);
            }
        }
        finally
        {
            series.OnClose(time.GetElapsedTime(opened).TotalMilliseconds);
        }

        return false;
    }

    private async Task<int?> ReadHeaderAsync(SslStream ssl, Socket socket, CancellationToken abort)
    {
        using var timeout = new CancellationTokenSource(config.DetectTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, abort);
        try
        {
            return await TransportHeader.ReadAsync(ssl, linked.Token);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or OperationCanceledException)
        {
            metrics.ProxyError(Direction.Inbound, "bad_transport_header");
            Log.BadHeader(logger, socket.RemoteEndPoint, ex.Message);
            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Inbound mTLS handshake from {Remote} failed: {Reason}")]
        public static partial void HandshakeFailed(ILogger logger, EndPoint? remote, string reason);

        [LoggerMessage(2, LogLevel.Warning, "Inbound mTLS connection from {Remote} sent no valid transport header; closed: {Reason}")]
        public static partial void BadHeader(ILogger logger, EndPoint? remote, string reason);

        [LoggerMessage(3, LogLevel.Warning, "Inbound mTLS connection from {ClientIdentity} at {Remote} named port {Port} in its transport header, {Reason}; refused")]
        public static partial void ForbiddenTarget(ILogger logger, string clientIdentity, EndPoint? remote, int port, string reason);
    }
}
