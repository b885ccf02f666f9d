using System.Buffers;
using Linnet.Proxy.Telemetry;

namespace Linnet.Proxy.Tcp;

/// <summary>Relays bytes both ways between two <see cref="RelayEnd"/>s when at least one side is a stream
/// (TLS) rather than a bare socket. As <see cref="OpaqueForwarder"/>'s socket relay: each direction ends on
/// its own (half-close passed on), a failure on either side resets both and is counted.</summary>
internal static class StreamRelay
{
    private const int BufferSize = 16 * 1024;

    /// <summary>Runs until both directions ended or <paramref name="abort"/> fires. A reset of either side
    /// is counted under <paramref name="direction"/> in <paramref name="metrics"/> (see <see cref="RelayFailure"/>).</summary>
    public static async Task RunAsync(RelayEnd a, TcpSeries aSeries, RelayEnd b, TcpSeries bSeries, ProxyMetrics metrics, Direction direction, CancellationToken abort)
    {
        using var registration = abort.Register(() =>
        {
            metrics.ProxyError(direction, RelayFailure.DrainTimeout);
            OpaqueForwarder.Reset(a.Socket);
            OpaqueForwarder.Reset(b.Socket);
        });
        var up = PumpAsync(a, b, aSeries, bSeries);
        var down = PumpAsync(b, a, bSeries, aSeries);
        if (await Task.WhenAny(up, down) is { IsFaulted: true } failed && !abort.IsCancellationRequested)
        {
            metrics.ProxyError(direction, RelayFailure.Reason(failed.Exception));
            OpaqueForwarder.Reset(a.Socket);
            OpaqueForwarder.Reset(b.Socket);
        }

        await Task.WhenAll(up, down).ContinueWith(static _ => { }, TaskScheduler.Default);
    }

    private static async Task PumpAsync(RelayEnd from, RelayEnd to, TcpSeries fromSeries, TcpSeries toSeries)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                var received = await from.ReadAsync(buffer);
                if (received == 0)
                {
                    await to.ShutdownWriteAsync();
                    return;
                }

                fromSeries.AddRead(received);
                await to.Stream.WriteAsync(buffer.AsMemory(0, received));
                toSeries.AddWrite(received);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
