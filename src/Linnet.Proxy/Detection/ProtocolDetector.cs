using System.Buffers;

namespace Linnet.Proxy.Detection;

/// <summary>Decides from a connection's first bytes whether it speaks HTTP/2 (preface), HTTP/1.x (request
/// line) or something else. Runs before Kestrel, because Kestrel cannot serve HTTP/1.1 and cleartext
/// HTTP/2 on one port.</summary>
internal static class ProtocolDetector
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

        return ScanRequestLine(buffer, isCompleted);
    }

    // Any other method: recognise "token SP target SP HTTP/1.x" byte by byte and give up at the first byte
    // that cannot belong to a request line, so that TLS, SSH and other binary protocols are not delayed.
    private static DetectedProtocol ScanRequestLine(in ReadOnlySequence<byte> buffer, bool isCompleted)
    {
        var version = " HTTP/1."u8;
        var state = 0; // 0 method, 1 target, 2 version, 3 version digit, 4 CR or LF, 5 LF
        var length = 0;
        var matched = 0;
        foreach (var segment in buffer)
        {
            foreach (var b in segment.Span)
            {
                length++;
                switch (state)
                {
                    case 0 when IsTokenChar(b):
                        break;
                    case 0 when b == (byte)' ' && length > 1:
                        state = 1;
                        break;
                    case 1 when b is > 0x20 and < 0x7F:
                        break;
                    case 1 when b == (byte)' ' && length > 1:
                        state = 2;
                        matched = 1;
                        break;
                    case 2 when b == version[matched]:
                        if (++matched == version.Length)
                        {
                            state = 3;
                        }

                        break;
                    case 2 when matched == 1 && b is > 0x20 and < 0x7F:
                        // The target contained a space: keep it as target text ("GET /a b HTTP/1.1" is
                        // HTTP, malformed, and Kestrel answers it with 400).
                        state = 1;
                        break;
                    case 3 when b is (byte)'0' or (byte)'1':
                        state = 4;
                        break;
                    case 4 when b == (byte)'\n':
                        return DetectedProtocol.Http1;
                    case 4 when b == (byte)'\r':
                        state = 5;
                        break;
                    case 5 when b == (byte)'\n':
                        return DetectedProtocol.Http1;
                    default:
                        return DetectedProtocol.Opaque;
                }

                if (length >= MaxRequestLine)
                {
                    return DetectedProtocol.Opaque;
                }
            }
        }

        return isCompleted ? DetectedProtocol.Opaque : DetectedProtocol.NeedMore;
    }

    /// <summary>An RFC 9110 §5.6.2 <c>tchar</c>: the characters of methods and header field names.</summary>
    internal static bool IsTokenChar(byte b) =>
        b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9'
            or (byte)'!' or (byte)'#' or (byte)'$' or (byte)'%' or (byte)'&' or (byte)'\'' or (byte)'*' or (byte)'+'
            or (byte)'-' or (byte)'.' or (byte)'^' or (byte)'_' or (byte)'`' or (byte)'|' or (byte)'~';
}
