using Linnet.Proxy.Streams;

namespace Linnet.Proxy.Tap;

/// <summary>A write-only view of a response body that counts the bytes written through it (a tapped request's
/// response size). The body is not its to close.</summary>
internal sealed class ByteCountingStream(Stream inner) : DelegatingStream(inner, ownsInner: false)
{
    private long _written;

    public long Written => Interlocked.Read(ref _written);

    public override bool CanRead => false;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count)
    {
        Inner.Write(buffer, offset, count);
        Interlocked.Add(ref _written, count);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await Inner.WriteAsync(buffer, cancellationToken);
        Interlocked.Add(ref _written, buffer.Length);
    }
}
