using System.Buffers;

namespace Linnet.Proxy.Detection;

/// <summary>Decides from a connection's first bytes whether it speaks HTTP/2 (preface), HTTP/1.x (request
/// line) or something else. Runs before Kestrel, because Kestrel cannot serve HTTP/1.1 and cleartext
/// HTTP/2 on one port.</summary>
public static class ProtocolDetector
{
    /// <summary>The longest first line read before giving up on HTTP/1 and treating the bytes as opaque.</summary>
    public const int MaxRequestLine = 16 * 1024;

    private static ReadOnlySpan<byte> Http2Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    // Methods that identify HTTP/1 as soon as they are followed by a space, so that long or malformed
    // request lines still reach Kestrel and get their 4xx.
    private static readonly byte[][] KnownMethods =
    [
        "GET "u8.ToArray(), "POST "u8.ToArray(), "PUT "u8.ToArray(), "DELETE "u8.ToArray(), "HEAD "u8.ToArray(),
        "OPTIONS "u8.ToArray(), "PATCH "u8.ToArray(), "TRACE "u8.ToArray(), "CONNECT "u8.ToArray(),
    ];

    /// <summary>Classifies <paramref name="buffer"/>; <paramref name="isCompleted"/> means no more bytes
    /// will come, so an undecided prefix is opaque.</summary>
    public static DetectedProtocol Detect(in ReadOnlySequence<byte> buffer, bool isCompleted)
    {
        if (buffer.IsEmpty)
        {
            return isCompleted ? DetectedProtocol.Opaque : DetectedProtocol.NeedMore;
        }

        Span<byte> head = stackalloc byte[24];
        var headLength = (int)Math.Min(buffer.Length, head.Length);
        buffer.Slice(0, headLength).CopyTo(head);
        head = head[..headLength];

        if (Http2Preface.StartsWith(head))
        {
            if (head.Length == Http2Preface.Length)
            {
                return DetectedProtocol.Http2;
            }

            return isCompleted ? DetectedProtocol.Opaque : DetectedProtocol.NeedMore;
        }

        var possibleMethod = false;
        foreach (var method in KnownMethods)
        {
            if (head.StartsWith(method))
            {
                return DetectedProtocol.Http1;
            }

            if (method.AsSpan().StartsWith(head))
            {
                possibleMethod = true;
            }
        }

        if (possibleMethod && !isCompleted)
        {
            return DetectedProtocol.NeedMore;
        }

        // Any other method: look for a whole first line ending in " HTTP/1.x".
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
        {
            return isCompleted || buffer.Length >= MaxRequestLine ? DetectedProtocol.Opaque : DetectedProtocol.NeedMore;
        }

        Span<byte> tail = stackalloc byte[10];
        if (line.Length < tail.Length)
        {
            return DetectedProtocol.Opaque;
        }

        line.Slice(line.Length - tail.Length).CopyTo(tail);
        var version = tail[^1] == (byte)'\r' ? tail[..^1] : tail[1..];
        return version.StartsWith(" HTTP/1."u8) && version[^1] is (byte)'0' or (byte)'1' && IsToken(line.FirstSpan[0])
            ? DetectedProtocol.Http1
            : DetectedProtocol.Opaque;
    }

    private static bool IsToken(byte b) => b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z';
}
