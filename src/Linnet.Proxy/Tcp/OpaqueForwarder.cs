using System.IO.Pipelines;
using System.Net.Sockets;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Telemetry;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Linnet.Proxy.Tcp;

/// <summary>Forwards a connection byte for byte to a target, in both directions, passing on half-closes
/// from the client and resets from either side.</summary>
public sealed partial class OpaqueForwarder(BootstrapConfig config, ProxyMetrics metrics, TimeProvider time, ILogger<OpaqueForwarder> logger)
{
    private const int ReceiveBufferSize = 16 * 1024;

    /// <summary>Connects to <paramref name="host"/>:<paramref name="port"/> and relays until both sides are
    /// done, or <paramref name="abort"/> fires (drain timeout elapsed).</summary>
    public async Task ForwardAsync(ConnectionContext client, Direction direction, string host, int port, CancellationToken abort)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var upstream = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(abort);
            connectTimeout.CancelAfter(config.ConnectTimeout);
            await upstream.ConnectAsync(host, port, connectTimeout.Token);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            Log.ConnectFailed(logger, host, port, ex.Message);
            metrics.ProxyError(direction, "connect_failed");
            client.Abort(new ConnectionAbortedException($"cannot connect to {host}:{port}: {ex.Message}"));
            return;
        }

        var series = metrics.Tcp(direction, "dst", TlsLabel.Plaintext(direction));
        series.OnOpen();
        var opened = time.GetTimestamp();
        using var registration = abort.Register(() =>
        {
            client.Abort(new ConnectionAbortedException("proxy shutting down"));
            upstream.Close(0);
        });
        try
        {
            var toUpstream = ClientToUpstreamAsync(client.Transport.Input, upstream, series);
            var toClient = UpstreamToClientAsync(upstream, client.Transport.Output, series);
            var first = await Task.WhenAny(toUpstream, toClient);
            if (first.IsFaulted)
            {
                // One side failed: a reset on one side becomes an abort of the other.
                client.Abort(new ConnectionAbortedException("peer reset", first.Exception!.InnerException!));
                upstream.Close(0);
            }

            await Task.WhenAll(toUpstream, toClient).ContinueWith(static _ => { }, TaskScheduler.Default);
        }
        finally
        {
            series.OnClose(time.GetElapsedTime(opened).TotalMilliseconds);
        }
    }

    private static async Task ClientToUpstreamAsync(PipeReader input, Socket upstream, TcpSeries series)
    {
        while (true)
        {
            var result = await input.ReadAsync();
            var buffer = result.Buffer;
            foreach (var segment in buffer)
            {
                var sent = 0;
                while (sent < segment.Length)
                {
                    sent += await upstream.SendAsync(segment[sent..], SocketFlags.None);
                }

                series.AddWrite(segment.Length);
            }

            input.AdvanceTo(buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                break;
            }
        }

        // The client half-closed: pass the FIN on, and keep relaying the other direction.
        upstream.Shutdown(SocketShutdown.Send);
        await input.CompleteAsync();
    }

    private static async Task UpstreamToClientAsync(Socket upstream, PipeWriter output, TcpSeries series)
    {
        while (true)
        {
            var memory = output.GetMemory(ReceiveBufferSize);
            var received = await upstream.ReceiveAsync(memory, SocketFlags.None);
            if (received == 0)
            {
                break;
            }

            series.AddRead(received);
            output.Advance(received);
            var flush = await output.FlushAsync();
            if (flush.IsCompleted || flush.IsCanceled)
            {
                break;
            }
        }

        await output.CompleteAsync();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Opaque connection to {Host}:{Port} failed: {Reason}")]
        public static partial void ConnectFailed(ILogger logger, string host, int port, string reason);
    }
}
