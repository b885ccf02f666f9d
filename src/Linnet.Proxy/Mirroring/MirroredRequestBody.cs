using System.IO.Pipelines;

namespace Linnet.Proxy.Mirroring;

/// <summary>A request body that is streamed to the primary destination as it arrives while every chunk
/// read is also passed to the mirror's copy (<see cref="MirrorStream"/>): bodies of unknown length
/// (chunked, HTTP/2 streams, gRPC calls) and bodies too large to keep. The primary never waits for the
/// mirror: when the copy falls more than <c>maxBuffered</c> bytes behind, it is abandoned (its request
/// fails rather than reach the mirror cut short). A body the primary did not read to its end is never
/// passed on as a complete one (<see cref="EndOfPrimary"/>).</summary>
internal sealed class MirroredRequestBody : Stream
{
    private readonly Stream _source;
    private readonly Pipe _pipe;
    private int _copyEnded;

    public MirroredRequestBody(Stream source, int maxBuffered)
    {
        ArgumentNullException.ThrowIfNull(source);
        _source = source;
        _pipe = new Pipe(new PipeOptions(pauseWriterThreshold: maxBuffered, resumeWriterThreshold: maxBuffered / 2, useSynchronizationContext: false));
        MirrorStream = _pipe.Reader.AsStream();
    }

    /// <summary>The copy, for the mirror's request content.</summary>
    public Stream MirrorStream { get; }

    /// <summary>True once the copy was abandoned or cut off.</summary>
    public bool Abandoned { get; private set; }

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
        var read = await _source.ReadAsync(buffer, cancellationToken);
        if (buffer.IsEmpty || Volatile.Read(ref _copyEnded) != 0)
        {
            // A zero-byte read (YARP waits for data with one before renting a buffer) is not the end.
            return read;
        }

        if (read == 0)
        {
            EndCopy(null);
            return 0;
        }

        var flush = _pipe.Writer.WriteAsync(buffer[..read], CancellationToken.None);
        if (flush.IsCompleted)
        {
            if (flush.Result.IsCompleted)
            {
                // The mirror's request is over (answered early, or failed): nothing more to copy.
                EndCopy(null);
            }
        }
        else
        {
            // The mirror is more than the bound behind: give up on the copy, never slow the primary.
            _pipe.Writer.CancelPendingFlush();
            await flush;
            EndCopy(new IOException("the mirror fell behind the request body"));
        }

        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <summary>The primary request is done with the body: if it was not read to its end, the copy is cut off
    /// with an error, so the mirror's request fails instead of ending early as if complete.</summary>
    public void EndOfPrimary() => EndCopy(new IOException("the request body was not read to its end"));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private void EndCopy(Exception? error)
    {
        if (Interlocked.Exchange(ref _copyEnded, 1) != 0)
        {
            return;
        }

        Abandoned = error is not null;
        _pipe.Writer.Complete(error);
    }
}
