namespace Linnet.Proxy.Resilience;

/// <summary>A request body of unknown length that is streamed to the first attempt as it arrives (never
/// read ahead: a streaming client may wait for replies before sending more) while a copy of up to
/// <c>limit</c> bytes is kept. If the whole body arrived within the limit, a retry replays the copy; if it
/// was larger, or had not ended when the retry was wanted, the request is not retried (as linkerd2-proxy's
/// replay body).</summary>
internal sealed class ReplayableRequestBody(Stream source, int limit) : Stream
{
    private MemoryStream? _copy = new();
    private bool _sourceEnded;
    private long _replayPosition = -1;

    /// <summary>Whether the whole body has been read and kept.</summary>
    public bool CanReplay => Volatile.Read(ref _sourceEnded) && _copy is not null;

    /// <summary>Starts the next attempt from the first byte (call only when <see cref="CanReplay"/>).</summary>
    public void Rewind() => _replayPosition = 0;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_replayPosition >= 0)
        {
            var kept = _copy!.GetBuffer().AsMemory(0, (int)_copy.Length);
            var n = (int)Math.Min(buffer.Length, kept.Length - _replayPosition);
            kept.Slice((int)_replayPosition, n).CopyTo(buffer);
            _replayPosition += n;
            return n;
        }

        var read = await source.ReadAsync(buffer, cancellationToken);
        if (buffer.IsEmpty)
        {
            // A zero-byte read (YARP waits for data with one before renting a buffer) is not the end.
            return read;
        }

        if (read == 0)
        {
            Volatile.Write(ref _sourceEnded, true);
        }
        else if (_copy is not null)
        {
            if (_copy.Length + read > limit)
            {
                _copy = null;
            }
            else
            {
                _copy.Write(buffer.Span[..read]);
            }
        }

        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
