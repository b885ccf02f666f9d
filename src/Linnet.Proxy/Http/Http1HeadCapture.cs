using System.Buffers;

namespace Linnet.Proxy.Http;

/// <summary>Keeps the raw bytes of the HTTP/1 request head Kestrel is parsing, so the proxy can refuse
/// requests whose framing Kestrel would silently repair: with both <c>Content-Length</c> and
/// <c>Transfer-Encoding</c>, Kestrel drops the length and forwards (RFC 9112 §6.3 allows that), but
/// such a request is a smuggling attempt and the proxy answers 400 without forwarding it.</summary>
internal sealed class Http1HeadCapture
{
    // Kestrel rejects header sections over 32 KiB with 431; nothing beyond that is ever a head.
    private const int MaxHead = 64 * 1024;

    private byte[] _buffer = new byte[1024];
    private int _length;
    private bool _capturing = true;

    /// <summary>Called with each range the HTTP/1 parser consumes.</summary>
    public void OnConsumed(in ReadOnlySequence<byte> consumed)
    {
        if (!_capturing || consumed.IsEmpty)
        {
            return;
        }

        var take = (int)Math.Min(consumed.Length, MaxHead - _length);
        if (_length + take > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Min(MaxHead, Math.Max(_buffer.Length * 2, _length + take)));
        }

        consumed.Slice(0, take).CopyTo(_buffer.AsSpan(_length));
        _length += take;
    }

    /// <summary>The request's head has been parsed: what its raw bytes say. Capture stops until
    /// <see cref="BeginHead"/>, so body bytes are never kept.</summary>
    public HeadInspection Take()
    {
        if (!_capturing)
        {
            return HeadInspection.Unknown;
        }

        var head = _buffer.AsSpan(0, _length);
        _capturing = false;
        _length = 0;
        var contentLength = false;
        var transferEncoding = false;
        List<string>? nominated = null;
        while (head.Length > 0)
        {
            var end = head.IndexOf((byte)'\n');
            var line = end < 0 ? head : head[..end];
            contentLength |= StartsWithIgnoreCase(line, "content-length:"u8);
            transferEncoding |= StartsWithIgnoreCase(line, "transfer-encoding:"u8);
            if (StartsWithIgnoreCase(line, "connection:"u8))
            {
                // Kestrel keeps only the options it understands in the Connection value; the raw line
                // still names the other hop-by-hop headers (RFC 9110 §7.6.1).
                foreach (var token in System.Text.Encoding.ASCII.GetString(line["connection:".Length..]).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    if (!token.Equals("close", StringComparison.OrdinalIgnoreCase) && !token.Equals("keep-alive", StringComparison.OrdinalIgnoreCase) && !token.Equals("upgrade", StringComparison.OrdinalIgnoreCase))
                    {
                        (nominated ??= []).Add(token);
                    }
                }
            }

            head = end < 0 ? default : head[(end + 1)..];
        }

        return new HeadInspection(contentLength && transferEncoding, nominated ?? (IReadOnlyList<string>)[]);
    }

    /// <summary>The previous request was read to its end: what is consumed next is the next head.</summary>
    public void BeginHead()
    {
        _length = 0;
        _capturing = true;
    }

    private static bool StartsWithIgnoreCase(ReadOnlySpan<byte> line, ReadOnlySpan<byte> lowerPrefix)
    {
        if (line.Length < lowerPrefix.Length)
        {
            return false;
        }

        for (var i = 0; i < lowerPrefix.Length; i++)
        {
            var b = line[i];
            if (b is >= (byte)'A' and <= (byte)'Z')
            {
                b = (byte)(b | 0x20);
            }

            if (b != lowerPrefix[i])
            {
                return false;
            }
        }

        return true;
    }
}
