using Linnet.Proxy.Detection;
using Linnet.Proxy.Http;
using Linnet.Proxy.Telemetry;
using Linnet.Proxy.Tls;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;

namespace Linnet.Proxy.Listening.Stages;

/// <summary>Hands an HTTP connection to Kestrel through the in-memory dispatch endpoint of its HTTP version;
/// from then on Kestrel owns it (and closes its series). Detection only peeked, so a plaintext socket is
/// wrapped by Kestrel's own socket transport and read from its first byte; HTTP/2 from a client proxy is read
/// through the mTLS stream. Any other protocol goes on to the opaque stages.</summary>
internal sealed class HttpStage : IConnectionStage, IDisposable
{
    private readonly DispatchTransportFactory _dispatch;
    private readonly SocketConnectionContextFactory _sockets;

    /// <summary>Creates the stage with Kestrel's socket connection factory.</summary>
    public HttpStage(DispatchTransportFactory dispatch, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _dispatch = dispatch;
        _sockets = new SocketConnectionContextFactory(new SocketConnectionFactoryOptions(), loggerFactory.CreateLogger<SocketConnectionContextFactory>());
    }

    /// <inheritdoc />
    public string Name => "http";

    /// <inheritdoc />
    public async Task InvokeAsync(AcceptedConnection connection, ConnectionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(next);
        if (connection.Protocol is not (DetectedProtocol.Http1 or DetectedProtocol.Http2))
        {
            await next(connection);
            return;
        }

        var socket = connection.Socket;
        if (connection.MeshStream is { } ssl)
        {
            // The counting stream closes the series when Kestrel disposes the connection; the connection owns
            // the socket from here, dispatched or not.
            connection.HandedOff = true;
            var counted = new CountingStream(new SocketOwningStream(ssl, socket), connection.Series!, connection.ElapsedMs);
            var tlsConnection = new StreamConnection(counted, socket.LocalEndPoint, socket.RemoteEndPoint, null);
            tlsConnection.Features.Set(connection.Feature);
            if (!_dispatch.Get(DetectedProtocol.Http2).TryDispatch(tlsConnection))
            {
                await tlsConnection.DisposeAsync();
            }

            return;
        }

        var series = connection.SeriesOrPlaintext();
        var plain = _sockets.Create(socket);
        var transport = new CountingDuplexPipe(plain.Transport, series);
        plain.Transport = transport;
        plain.Features.Set(connection.Feature);
        if (connection.Protocol == DetectedProtocol.Http1)
        {
            var capture = new Http1HeadCapture();
            transport.HeadCapture = capture;
            plain.Features.Set(capture);
        }

        plain.ConnectionClosed.Register(static state => ((AcceptedConnection)state!).CloseSeries(), connection);
        connection.HandedOff = _dispatch.Get(connection.Protocol).TryDispatch(plain);
        if (!connection.HandedOff)
        {
            await plain.DisposeAsync();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _sockets.Dispose();
}
