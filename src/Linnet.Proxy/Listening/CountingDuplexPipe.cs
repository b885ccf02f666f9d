using System.IO.Pipelines;
using Linnet.Proxy.Telemetry;

namespace Linnet.Proxy.Listening;

/// <summary>Counts the bytes an accepted connection reads and writes into its <see cref="TcpSeries"/>,
/// without copying: reads are counted as they are consumed, writes as they are committed.</summary>
internal sealed class CountingDuplexPipe(IDuplexPipe inner, TcpSeries series) : IDuplexPipe
{
    private readonly CountingReader _input = new(inner.Input, series);

    public PipeReader Input => _input;

    /// <summary>Set for HTTP/1 connections: sees every consumed range, to keep request heads.</summary>
    public Http.Http1HeadCapture? HeadCapture
    {
        get => _input.HeadCapture;
        set => _input.HeadCapture = value;
    }

    public PipeWriter Output { get; } = new CountingWriter(inner.Output, series);

    private sealed class CountingReader(PipeReader inner, TcpSeries series) : PipeReader
    {
        private System.Buffers.ReadOnlySequence<byte> _last;

        public Http.Http1HeadCapture? HeadCapture { get; set; }

        public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
        {
            var range = _last.Slice(_last.Start, consumed);
            if (range.Length > 0)
            {
                series.AddRead(range.Length);
                HeadCapture?.OnConsumed(range);
            }

            _last = default;
            inner.AdvanceTo(consumed, examined);
        }

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            var result = await inner.ReadAsync(cancellationToken);
            _last = result.Buffer;
            return result;
        }

        public override bool TryRead(out ReadResult result)
        {
            if (inner.TryRead(out result))
            {
                _last = result.Buffer;
                return true;
            }

            return false;
        }
    }

    private sealed class CountingWriter(PipeWriter inner, TcpSeries series) : PipeWriter
    {
        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes;

        public override void Advance(int bytes)
        {
            series.AddWrite(bytes);
            inner.Advance(bytes);
        }

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);
    }
}
