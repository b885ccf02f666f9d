using Linnet.Proxy.Streams;

namespace Linnet.Proxy.Telemetry;

/// <summary>Wraps a connection to an upstream, counting its bytes and closing its series when disposed.</summary>
internal sealed class CountingStream(Stream inner, TcpSeries series, Func<double> elapsedMs) : DelegatingStream(inner, ownsInner: true)
{
    private int _disposed;

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = Inner.Read(buffer, offset, count);
        series.AddRead(n);
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await Inner.ReadAsync(buffer, cancellationToken);
        series.AddRead(n);
        return n;
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        Inner.Write(buffer, offset, count);
        series.AddWrite(count);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await Inner.WriteAsync(buffer, cancellationToken);
        series.AddWrite(buffer.Length);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            series.OnClose(elapsedMs());
            base.Dispose(disposing);
        }
    }
}
