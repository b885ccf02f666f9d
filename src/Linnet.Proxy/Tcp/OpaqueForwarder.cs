using System.Buffers;
using System.Net.Sockets;
using Linnet.Proxy.Balancing;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Telemetry;
using Microsoft.Extensions.Logging;

namespace Linnet.Proxy.Tcp;

/// <summary>Relays a connection byte for byte to a target, socket to socket. Each direction ends on its
/// own: a FIN from either side becomes a FIN to the other (half-close), a reset becomes a reset.</summary>
internal sealed partial class OpaqueForwarder(BootstrapConfig config, ProxyMetrics metrics, TimeProvider time, ILogger<OpaqueForwarder> logger)
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
        using var upstream = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var connectStart = time.GetTimestamp();
        try
        {
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(abort);
            connectTimeout.CancelAfter(config.ConnectTimeout);
            await upstream.ConnectAsync(host, port, connectTimeout.Token);
            endpoint?.Observe(time.GetElapsedTime(connectStart));
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            if (!abort.IsCancellationRequested)
            {
                endpoint?.ObserveFailure(time.GetElapsedTime(connectStart));
            }

            Log.ConnectFailed(logger, host, port, ex.Message);
            metrics.ProxyError(direction, "connect_failed");
            Reset(client);
            return;
        }

        var series = metrics.Tcp(direction, "dst", TlsLabel.Plaintext(direction));
        series.OnOpen();
        var opened = time.GetTimestamp();
        using var registration = abort.Register(() =>
        {
            Reset(client);
            Reset(upstream);
        });
        try
        {
            var up = PumpAsync(client, upstream, clientSeries, series);
            var down = PumpAsync(upstream, client, series, clientSeries);
            if (await Task.WhenAny(up, down) is { IsFaulted: true })
            {
                // A reset on one side is passed on as a reset, not a clean close.
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
    }
}
