using System.Net;
using System.Net.Sockets;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Detection;
using Linnet.Proxy.Telemetry;
using Linnet.Proxy.Tls;
using Microsoft.Extensions.Logging;

namespace Linnet.Proxy.Listening.Stages;

/// <summary>Terminates a client proxy's mTLS (a connection detection saw offer a mesh ALPN): the handshake
/// proves the client's identity, which names the connection's series and goes on the connection; the ALPN
/// says what follows inside (HTTP/2, or a transport header and opaque bytes). Other connections pass as they are.</summary>
internal sealed partial class MeshTlsStage(MeshTls tls, BootstrapConfig config, ProxyMetrics metrics, TimeProvider time, ILogger<MeshTlsStage> logger) : IConnectionStage
{
    /// <inheritdoc />
    public string Name => "mesh-tls";

    /// <inheritdoc />
    public async Task InvokeAsync(AcceptedConnection connection, ConnectionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(next);
        if (connection.Protocol != DetectedProtocol.MeshTls)
        {
            await next(connection);
            return;
        }

        var socket = connection.Socket;
        var gate = new TlsShutdownGate();
        System.Net.Security.SslStream ssl;
        string clientIdentity;
        using (var timeout = new CancellationTokenSource(config.DetectTimeout, time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, connection.Drain.Abort))
        {
            try
            {
                (ssl, clientIdentity) = await tls.AcceptAsync(gate.Wrap(new NetworkStream(socket, ownsSocket: false)), linked.Token);
            }
            catch (Exception ex) when (ex is MeshTlsException or OperationCanceledException or IOException)
            {
                metrics.ProxyError(Direction.Inbound, "tls_handshake_failed");
                Log.HandshakeFailed(logger, socket.RemoteEndPoint, ex.Message);
                return;
            }
        }

        connection.MeshStream = ssl;
        connection.MeshGate = gate;
        connection.Feature = connection.Feature with { ClientIdentity = clientIdentity };
        connection.OpenSeries(TlsLabel.ForClient(clientIdentity));
        connection.Protocol = ssl.NegotiatedApplicationProtocol == MeshAlpn.Http2 ? DetectedProtocol.Http2 : DetectedProtocol.Opaque;
        try
        {
            await next(connection);
        }
        finally
        {
            if (!connection.HandedOff)
            {
                await ssl.DisposeAsync();
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Inbound mTLS handshake from {Remote} failed: {Reason}")]
        public static partial void HandshakeFailed(ILogger logger, EndPoint? remote, string reason);
    }
}
