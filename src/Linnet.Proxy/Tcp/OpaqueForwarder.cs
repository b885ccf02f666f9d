using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using Linnet.Proxy.Balancing;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Telemetry;
using Linnet.Proxy.Tls;
using Microsoft.Extensions.Logging;

namespace Linnet.Proxy.Tcp;

/// <summary>Relays a connection byte for byte to a target, socket to socket. Each direction ends on its
/// own: a FIN from either side becomes a FIN to the other (half-close), a reset becomes a reset.</summary>
internal sealed partial class OpaqueForwarder(BootstrapConfig config, MeshTls meshTls, ProxyMetrics metrics, TimeProvider time, ILogger<OpaqueForwarder> logger)
{
    private const int BufferSize = 16 * 1024;

    /// <summary>Connects to <paramref name="host"/>:<paramref name="port"/> and relays until both directions
    /// have ended, or <paramref name="abort"/> fires (drain timeout elapsed). The caller owns
    /// <paramref name="client"/> and closes it afterwards.</summary>
    public Task ForwardAsync(Socket client, TcpSeries clientSeries, Direction direction, string host, int port, CancellationToken abort) =>
        ForwardAsync(client, clientSeries, direction, host, port, null, abort);

    /// <summary>As <see cref="ForwardAsync(Socket, TcpSeries, Direction, string, int, CancellationToken)"/>, feeding
    /// the connect time to <paramref name="endpoint"/>'s latency estimate (a failed connect as a slow sample).</summary>
    public async Task ForwardAsync(Socket client, TcpSeries clientSeries, Direction direction, string host, int port, EndpointState? endpoint, CancellationToken abort)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(clientSeries);
        using var upstream = await ConnectAsync(direction, host, port, endpoint, abort);
        if (upstream is null)
        {
            Reset(client);
            return;
        }

        var series = metrics.Tcp(direction, "dst", TlsLabel.Plaintext(direction));
        series.OnOpen();
        var opened = time.GetTimestamp();
        using var registration = abort.Register(() =>
        {
            metrics.ProxyError(direction, RelayFailure.DrainTimeout);
            Reset(client);
            Reset(upstream);
        });
        try
        {
            var up = PumpAsync(client, upstream, clientSeries, series);
            var down = PumpAsync(upstream, client, series, clientSeries);
            if (await Task.WhenAny(up, down) is { IsFaulted: true } failed && !abort.IsCancellationRequested)
            {
                // A reset on one side is passed on as a reset, not a clean close.
                metrics.ProxyError(direction, RelayFailure.Reason(failed.Exception));
                Reset(client);
                Reset(upstream);
            }

            await Task.WhenAll(up, down).ContinueWith(static _ => { }, TaskScheduler.Default);
        }
        finally
        {
            series.OnClose(time.GetElapsedTime(opened).TotalMilliseconds);
        }
    }

    /// <summary>Inbound over mTLS: relays a client proxy's decrypted stream to the app at
    /// <paramref name="host"/>:<paramref name="port"/>. The caller owns <paramref name="client"/>.</summary>
    public async Task ForwardAsync(RelayEnd client, TcpSeries clientSeries, string host, int port, CancellationToken abort)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var upstream = await ConnectAsync(Direction.Inbound, host, port, null, abort);
        if (upstream is null)
        {
            Reset(client.Socket);
            return;
        }

        var series = metrics.Tcp(Direction.Inbound, "dst", TlsLabel.InboundPlaintext);
        series.OnOpen();
        var opened = time.GetTimestamp();
        try
        {
            await using var stream = new NetworkStream(upstream, ownsSocket: false);
            await StreamRelay.RunAsync(client, clientSeries, new RelayEnd(stream, upstream), series, metrics, Direction.Inbound, abort);
        }
        finally
        {
            series.OnClose(time.GetElapsedTime(opened).TotalMilliseconds);
        }
    }

    /// <summary>Outbound to a meshed endpoint: connects to its proxy over mTLS (which must prove the
    /// endpoint's identity), names the target port in a <see cref="TransportHeader"/>, then relays. The
    /// caller owns <paramref name="client"/>.</summary>
    public async Task ForwardMeshAsync(Socket client, TcpSeries clientSeries, EndpointState endpoint, string identity, CancellationToken abort)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(endpoint);
        var connectStart = time.GetTimestamp();
        using var upstream = await ConnectAsync(Direction.Outbound, endpoint.Config.Host, endpoint.Config.Port, null, abort);
        if (upstream is null)
        {
            endpoint.ObserveFailure(time.GetElapsedTime(connectStart));
            Reset(client);
            return;
        }

        SslStream tls;
        var gate = new TlsShutdownGate();
        try
        {
            using var handshakeTimeout = CancellationTokenSource.CreateLinkedTokenSource(abort);
            handshakeTimeout.CancelAfter(MeshTls.HandshakeTimeout);
            tls = await meshTls.ConnectAsync(gate.Wrap(new NetworkStream(upstream, ownsSocket: false)), identity, MeshAlpn.Transport, endpoint.Config.Address, handshakeTimeout.Token);
            await tls.WriteAsync(TransportHeader.Encode(endpoint.Config.Port), handshakeTimeout.Token);
            await tls.FlushAsync(handshakeTimeout.Token);
            endpoint.Observe(time.GetElapsedTime(connectStart));
        }
        catch (Exception ex) when (ex is MeshTlsException or IOException or SocketException or OperationCanceledException)
        {
            if (!abort.IsCancellationRequested)
            {
                endpoint.ObserveFailure(time.GetElapsedTime(connectStart));
            }

            Log.MeshConnectFailed(logger, endpoint.Config.Address, ex.Message);
            metrics.ProxyError(Direction.Outbound, ex is MeshTlsException ? "tls_handshake_failed" : "connect_failed");
            Reset(client);
            return;
        }

        var series = metrics.Tcp(Direction.Outbound, "dst", TlsLabel.ForServer(identity));
        series.OnOpen();
        var opened = time.GetTimestamp();
        try
        {
            await using (tls)
            {
                await using var clientStream = new NetworkStream(client, ownsSocket: false);
                await StreamRelay.RunAsync(new RelayEnd(clientStream, client), clientSeries, RelayEnd.ForTls(tls, gate, upstream), series, metrics, Direction.Outbound, abort);
            }
        }
        finally
        {
            series.OnClose(time.GetElapsedTime(opened).TotalMilliseconds);
        }
    }

    private async Task<Socket?> ConnectAsync(Direction direction, string host, int port, EndpointState? endpoint, CancellationToken abort)
    {
        var upstream = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var connectStart = time.GetTimestamp();
        try
        {
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(abort);
            connectTimeout.CancelAfter(config.ConnectTimeout);
            await upstream.ConnectAsync(host, port, connectTimeout.Token);
            endpoint?.Observe(time.GetElapsedTime(connectStart));
            return upstream;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            upstream.Dispose();
            if (!abort.IsCancellationRequested)
            {
                endpoint?.ObserveFailure(time.GetElapsedTime(connectStart));
            }

            Log.ConnectFailed(logger, host, port, ex.Message);
            metrics.ProxyError(direction, "connect_failed");
            return null;
        }
    }

    private static async Task PumpAsync(Socket from, Socket to, TcpSeries fromSeries, TcpSeries toSeries)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                var received = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (received == 0)
                {
                    // FIN: the sender is done; tell the other side, and keep the opposite direction open.
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                fromSeries.AddRead(received);
                var sent = 0;
                while (sent < received)
                {
                    sent += await to.SendAsync(buffer.AsMemory(sent, received - sent), SocketFlags.None);
                }

                toSeries.AddWrite(received);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Closes with RST rather than FIN.</summary>
    internal static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (ObjectDisposedException)
        {
        }
        catch (SocketException)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Opaque connection to {Host}:{Port} failed: {Reason}")]
        public static partial void ConnectFailed(ILogger logger, string host, int port, string reason);

        [LoggerMessage(2, LogLevel.Warning, "Opaque mTLS connection to {Address} failed: {Reason}")]
        public static partial void MeshConnectFailed(ILogger logger, string address, string reason);
    }
}
