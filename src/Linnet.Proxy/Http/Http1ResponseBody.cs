using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Linnet.Proxy.Http;

/// <summary>The response body on <see cref="Http1Forwarder"/>'s path: copied from the upstream's pipe to Kestrel's by
/// Content-Length, to the close, or out of the chunked coding (RFC 9112 §7.1, decoded; Kestrel frames it again),
/// each failure the <see cref="ForwarderError"/> YARP reports for it (the upstream's side
/// <see cref="ForwarderError.ResponseBodyDestination"/>, the client's <see cref="ForwarderError.ResponseBodyClient"/>
/// or, when it went away, <see cref="ForwarderError.ResponseBodyCanceled"/>).</summary>
internal static class Http1ResponseBody
{
    // Kestrel's response writer handed BuffersExtensions.Write an empty span for a second piece asked for without a
    // size (ArgumentOutOfRangeException), so each piece is asked for with its size.
    private static void WriteBody(PipeWriter writer, ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var span = writer.GetSpan(Math.Min(bytes.Length, 4096));
            var n = Math.Min(span.Length, bytes.Length);
            bytes[..n].CopyTo(span);
            writer.Advance(n);
            bytes = bytes[n..];
        }
    }


    // Copies `length` bytes (-1: to the end of the connection) of the upstream's body to the client. The client's
    // side is flushed only before waiting on the upstream: a response that came in one read leaves in one write.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<(ForwarderError, Exception?)> CopyAsync(PipeReader upstream, PipeWriter client, long length, CancellationToken cancellationToken)
    {
        var remaining = length;
        while (remaining != 0)
        {
            var (result, error, exception) = await ReadAsync(upstream, client, cancellationToken);
            if (error != ForwarderError.None)
            {
                return (error, exception);
            }

            var buffer = result.Buffer;
            if (buffer.IsEmpty && result.IsCompleted)
            {
                return remaining < 0 ? (ForwarderError.None, null) : (ForwarderError.ResponseBodyDestination, new IOException("the upstream closed the connection before the response body ended"));
            }

            var take = remaining < 0 ? buffer : buffer.Slice(0, Math.Min(remaining, buffer.Length));
            foreach (var segment in take)
            {
                WriteBody(client, segment.Span);
            }

            if (remaining > 0)
            {
                remaining -= take.Length;
            }

            upstream.AdvanceTo(take.End);
        }

        return (ForwarderError.None, null);
    }

    // The chunked coding (RFC 9112 §7.1): each chunk's data passed on (Kestrel frames it again), extensions
    // ignored, the trailer section passed on where the client's protocol carries trailers.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<(ForwarderError, Exception?)> CopyChunkedAsync(PipeReader upstream, HttpResponse response, CancellationToken cancellationToken)
    {
        var client = response.BodyWriter;
        while (true)
        {
            var (size, error, exception) = await ReadChunkSizeAsync(upstream, client, cancellationToken);
            if (error != ForwarderError.None)
            {
                return (error, exception);
            }

            if (size == 0)
            {
                return await ReadTrailersAsync(upstream, client, response, cancellationToken);
            }

            (error, exception) = await CopyAsync(upstream, client, size, cancellationToken);
            if (error != ForwarderError.None)
            {
                return (error, exception);
            }

            (error, exception) = await ReadLineAsync(upstream, client, 2, static (line, _) => line.IsEmpty, response, cancellationToken);
            if (error != ForwarderError.None)
            {
                return (error, exception);
            }
        }
    }

    private static async ValueTask<(long, ForwarderError, Exception?)> ReadChunkSizeAsync(PipeReader upstream, PipeWriter client, CancellationToken cancellationToken)
    {
        var size = -1L;
        var (error, exception) = await ReadLineAsync(upstream, client, 1024, (line, _) => TryParseChunkSize(line, out size), null, cancellationToken);
        return (size, error, exception);
    }

    private static async ValueTask<(ForwarderError, Exception?)> ReadTrailersAsync(PipeReader upstream, PipeWriter client, HttpResponse response, CancellationToken cancellationToken)
    {
        // The trailer section is bounded as a head is; it ends with an empty line.
        var budget = Http1ResponseHead.MaxHeadBytes;
        var done = false;
        while (!done)
        {
            var (error, exception) = await ReadLineAsync(upstream, client, budget, (line, r) =>
            {
                budget -= line.Length + 2;
                done = line.IsEmpty;
                return budget >= 0 && (done || TryAddTrailer(line, r!));
            }, response, cancellationToken);
            if (error != ForwarderError.None)
            {
                return (error, exception);
            }
        }

        return (ForwarderError.None, null);
    }

    private static bool TryAddTrailer(ReadOnlySpan<byte> line, HttpResponse response)
    {
        var colon = line.IndexOf((byte)':');
        if (colon <= 0 || !Http1ResponseHead.IsToken(line[..colon]))
        {
            return false;
        }

        var value = line[(colon + 1)..].Trim(" \t"u8);
        if (!Http1ResponseHead.IsFieldValue(value))
        {
            return false;
        }

        if (response.SupportsTrailers())
        {
            response.AppendTrailer(Encoding.ASCII.GetString(line[..colon]), Encoding.Latin1.GetString(value));
        }

        return true;
    }

    private delegate bool LineParser(ReadOnlySpan<byte> line, HttpResponse? response);

    // Reads one CRLF-terminated line of at most `max` bytes and hands it (without the CRLF) to `parse`.
    private static async ValueTask<(ForwarderError, Exception?)> ReadLineAsync(PipeReader upstream, PipeWriter client, int max, LineParser parse, HttpResponse? response, CancellationToken cancellationToken)
    {
        var needMore = false;
        while (true)
        {
            var (result, error, exception) = await ReadAsync(upstream, client, cancellationToken, needMore);
            if (error != ForwarderError.None)
            {
                return (error, exception);
            }

            var buffer = result.Buffer;
            var lf = buffer.PositionOf((byte)'\n');
            if (lf is null)
            {
                if (buffer.Length > max + 1 || result.IsCompleted)
                {
                    return (ForwarderError.ResponseBodyDestination, new InvalidDataException(result.IsCompleted ? "the upstream closed the connection inside a chunked body" : "a chunked body line is too long"));
                }

                // All of it examined: the next read waits for more (TryRead would hand back the same bytes).
                upstream.AdvanceTo(buffer.Start, buffer.End);
                needMore = true;
                continue;
            }

            var line = buffer.Slice(0, lf.Value);
            var ok = line.Length >= 1 && line.Length <= max + 1 && ParseLine(line, parse, response);
            upstream.AdvanceTo(buffer.GetPosition(1, lf.Value));
            return ok ? (ForwarderError.None, null) : (ForwarderError.ResponseBodyDestination, new InvalidDataException("the upstream's chunked body is malformed"));
        }
    }

    private static bool ParseLine(in ReadOnlySequence<byte> lineWithCr, LineParser parse, HttpResponse? response)
    {
        ReadOnlySpan<byte> line;
        byte[]? rented = null;
        if (lineWithCr.IsSingleSegment)
        {
            line = lineWithCr.FirstSpan;
        }
        else
        {
            rented = ArrayPool<byte>.Shared.Rent((int)lineWithCr.Length);
            lineWithCr.CopyTo(rented);
            line = rented.AsSpan(0, (int)lineWithCr.Length);
        }

        try
        {
            return line[^1] == '\r' && parse(line[..^1], response);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    // chunk-size [ BWS ";" chunk-ext ]: hex digits, then nothing or extensions (ignored, but no control bytes).
    private static bool TryParseChunkSize(ReadOnlySpan<byte> line, out long size)
    {
        size = 0;
        var i = 0;
        for (; i < line.Length && HexValue(line[i]) is var digit && digit >= 0; i++)
        {
            if (i >= 15)
            {
                return false;
            }

            size = (size << 4) | (uint)digit;
        }

        if (i == 0)
        {
            return false;
        }

        var rest = line[i..].TrimStart(" \t"u8);
        return rest.IsEmpty || (rest[0] == ';' && Http1ResponseHead.IsFieldValue(rest));
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<(ForwarderError, Exception?)> FlushAsync(PipeWriter client, CancellationToken cancellationToken)
    {
        try
        {
            var flush = await client.FlushAsync(cancellationToken);
            return flush.IsCompleted || flush.IsCanceled ? (ForwarderError.ResponseBodyClient, new IOException("the client's connection closed")) : (ForwarderError.None, null);
        }
        catch (Exception ex)
        {
            return (cancellationToken.IsCancellationRequested ? ForwarderError.ResponseBodyCanceled : ForwarderError.ResponseBodyClient, ex);
        }
    }

    // The upstream's next bytes: what is buffered, or else (after flushing what the client has been given) a read.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<(ReadResult, ForwarderError, Exception?)> ReadAsync(PipeReader upstream, PipeWriter client, CancellationToken cancellationToken, bool needMore = false)
    {
        if (!needMore && upstream.TryRead(out var buffered))
        {
            return (buffered, ForwarderError.None, null);
        }

        var (flushError, flushException) = await FlushAsync(client, cancellationToken);
        if (flushError != ForwarderError.None)
        {
            return (default, flushError, flushException);
        }

        try
        {
            return (await upstream.ReadAsync(cancellationToken), ForwarderError.None, null);
        }
        catch (Exception ex)
        {
            return (default, cancellationToken.IsCancellationRequested ? ForwarderError.ResponseBodyCanceled : ForwarderError.ResponseBodyDestination, ex);
        }
    }

    // Bytes after a complete response that nobody asked for: the connection cannot be trusted with another.
    public static bool HasExtraBytes(PipeReader reader)
    {
        if (!reader.TryRead(out var result))
        {
            return false;
        }

        reader.AdvanceTo(result.Buffer.Start);
        return !result.Buffer.IsEmpty || result.IsCompleted;
    }
}
