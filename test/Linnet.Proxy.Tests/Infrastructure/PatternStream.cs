using System.Security.Cryptography;
using Linnet.Testing;

namespace Linnet.Proxy.Tests.Infrastructure;

/// <summary>A read-only stream of <see cref="TestPattern"/> bytes of a given length, generated as it is read,
/// so tests can upload bodies far larger than they would want to hold.</summary>
internal sealed class PatternStream(long length) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public static string Sha256Hex(long length)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[TestPattern.Period * 256];
        TestPattern.Fill(buffer, 0);
        for (var done = 0L; done < length;)
        {
            // The buffer is a whole number of periods, so every chunk starts in phase.
            var n = (int)Math.Min(buffer.Length, length - done);
            hash.AppendData(buffer, 0, n);
            done += n;
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = (int)Math.Min(buffer.Length, length - _position);
        TestPattern.Fill(buffer[..n], _position);
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
