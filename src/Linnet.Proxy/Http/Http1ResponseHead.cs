using System.Buffers;
using System.Buffers.Text;
using System.Text;
using Linnet.Proxy.Detection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Linnet.Proxy.Http;

/// <summary>How an upstream's HTTP/1.1 response body is delimited (RFC 9112 §6.3).</summary>
internal enum Http1BodyFraming
{
    /// <summary>No body: a response to HEAD, 1xx, 204, 304, or Content-Length 0.</summary>
    None,

    /// <summary>Exactly <see cref="Http1ResponseHead.ContentLength"/> bytes.</summary>
    ContentLength,

    /// <summary>The chunked transfer coding, decoded here and framed again by Kestrel.</summary>
    Chunked,

    /// <summary>Until the upstream closes the connection.</summary>
    CloseDelimited,
}

/// <summary>A parsed HTTP/1.1 response head (RFC 9112 §4, §5, §6), strict: obs-fold, invalid field names or
/// values, both Content-Length and Transfer-Encoding, a transfer coding other than <c>chunked</c>, and a bad
/// or conflicting Content-Length are refused. A final response's fields are copied once into the
/// <see cref="HttpResponse"/>, hop-by-hop fields (RFC 9110 §7.6.1) and those the upstream's <c>Connection</c>
/// nominates left out.</summary>
internal struct Http1ResponseHead
{
    /// <summary>The longest response head accepted (Kestrel's default request head limit is 32 KiB).</summary>
    public const int MaxHeadBytes = 64 * 1024;

    // Names looked up instead of allocated: the fields most responses carry.
    private static readonly string[] KnownNames =
    [
        HeaderNames.ContentType, HeaderNames.Date, HeaderNames.Server, HeaderNames.CacheControl, HeaderNames.ETag,
        HeaderNames.LastModified, HeaderNames.Vary, HeaderNames.Location, HeaderNames.SetCookie, HeaderNames.Expires,
        HeaderNames.ContentEncoding, HeaderNames.AcceptRanges, HeaderNames.Age, HeaderNames.Trailer, HeaderNames.Pragma,
        HeaderNames.ContentLanguage, HeaderNames.ContentRange, HeaderNames.ContentDisposition, HeaderNames.AccessControlAllowOrigin,
        HeaderNames.StrictTransportSecurity, HeaderNames.XContentTypeOptions, HeaderNames.WWWAuthenticate, HeaderNames.GrpcStatus,
        HeaderNames.GrpcMessage, HeaderNames.GrpcEncoding, "l5d-proxy-error", "l5d-server-id",
    ];

    /// <summary>The status code.</summary>
    public int Status;

    /// <summary>Whether the connection must not carry another request: the upstream said <c>close</c>, or spoke
    /// HTTP/1.0 without <c>keep-alive</c>, or the body is close-delimited.</summary>
    public bool Close;

    /// <summary>How the body is delimited.</summary>
    public Http1BodyFraming Framing;

    /// <summary>The body's length with <see cref="Http1BodyFraming.ContentLength"/>.</summary>
    public long ContentLength;

    /// <summary>Whether this is an interim (1xx) response, to be skipped: nothing of it was copied.</summary>
    public readonly bool Interim => Status is >= 100 and < 200;

    /// <summary>Finds the end of a head (the empty line) in <paramref name="buffer"/>: the position after it, or
    /// null when the head is not complete yet.</summary>
    public static SequencePosition? FindEnd(in ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        return reader.TryReadTo(out ReadOnlySequence<byte> _, "\r\n\r\n"u8, advancePastDelimiter: true) ? reader.Position : null;
    }

    /// <summary>Parses <paramref name="head"/> (status line to the empty line included). A final response's
    /// status, reason phrase and fields go into <paramref name="response"/>; an interim one changes nothing.
    /// Returns null, or what is wrong (nothing is then left in <paramref name="response"/>'s headers).</summary>
    public static string? Parse(ReadOnlySpan<byte> head, bool headRequest, HttpResponse response, out Http1ResponseHead result)
    {
        result = default;
        var eol = head.IndexOf("\r\n"u8);
        if (eol < 0)
        {
            return "response head has no status line";
        }

        var statusLine = head[..eol];
        bool http10;
        if (statusLine.StartsWith("HTTP/1.1 "u8))
        {
            http10 = false;
        }
        else if (statusLine.StartsWith("HTTP/1.0 "u8))
        {
            http10 = true;
        }
        else
        {
            return "response status line is not HTTP/1.1";
        }

        if (statusLine.Length < 12 || !IsDigit(statusLine[9]) || !IsDigit(statusLine[10]) || !IsDigit(statusLine[11]) || statusLine[9] == '0'
            || (statusLine.Length > 12 && statusLine[12] != ' '))
        {
            return "response status line has no valid status code";
        }

        result.Status = ((statusLine[9] - '0') * 100) + ((statusLine[10] - '0') * 10) + (statusLine[11] - '0');
        var reason = statusLine.Length > 13 ? statusLine[13..] : [];
        if (!IsFieldValue(reason))
        {
            return "response reason phrase has invalid characters";
        }

        var interim = result.Interim;
        var headers = response.Headers;
        var keepAlive = false;
        var transferEncoding = false;
        var contentLength = -1L;
        List<string>? nominated = null;
        var rest = head[(eol + 2)..];
        string? error = null;
        while (true)
        {
            eol = rest.IndexOf("\r\n"u8);
            var line = rest[..eol];
            rest = rest[(eol + 2)..];
            if (line.IsEmpty)
            {
                break;
            }

            if (line[0] is (byte)' ' or (byte)'\t')
            {
                error = "response header uses obsolete line folding";
                break;
            }

            var colon = line.IndexOf((byte)':');
            if (colon <= 0 || !IsToken(line[..colon]))
            {
                error = "response header has an invalid field name";
                break;
            }

            var name = line[..colon];
            var value = line[(colon + 1)..].Trim(" \t"u8);
            if (!IsFieldValue(value))
            {
                error = "response header has an invalid field value";
                break;
            }

            if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
            {
                if (!TryParseContentLength(value, ref contentLength))
                {
                    error = "response has an invalid or conflicting Content-Length";
                    break;
                }

                continue;
            }

            if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
            {
                if (transferEncoding || !Ascii.EqualsIgnoreCase(value, "chunked"u8))
                {
                    error = "response has a transfer coding other than chunked";
                    break;
                }

                transferEncoding = true;
                continue;
            }

            if (Ascii.EqualsIgnoreCase(name, "Connection"u8))
            {
                foreach (var range in value.Split((byte)','))
                {
                    var token = value[range].Trim(" \t"u8);
                    if (Ascii.EqualsIgnoreCase(token, "close"u8))
                    {
                        result.Close = true;
                    }
                    else if (Ascii.EqualsIgnoreCase(token, "keep-alive"u8))
                    {
                        keepAlive = true;
                    }
                    else if (!token.IsEmpty && !Ascii.EqualsIgnoreCase(token, "upgrade"u8))
                    {
                        (nominated ??= []).Add(Encoding.ASCII.GetString(token));
                    }
                }

                continue;
            }

            if (interim || HopByHopFields.IsHopByHop(name))
            {
                continue;
            }

            headers.Append(Name(name), Encoding.Latin1.GetString(value));
        }

        if (error is null && contentLength >= 0 && transferEncoding)
        {
            error = "response has both Content-Length and Transfer-Encoding";
        }

        if (error is not null)
        {
            if (!interim)
            {
                headers.Clear();
            }

            return error;
        }

        if (interim)
        {
            return null;
        }

        response.StatusCode = result.Status;
        if (!reason.IsEmpty && !Ascii.Equals(reason, ReasonPhrases.GetReasonPhrase(result.Status)))
        {
            response.HttpContext.Features.Get<IHttpResponseFeature>()!.ReasonPhrase = Encoding.Latin1.GetString(reason);
        }

        if (nominated is not null)
        {
            foreach (var name in nominated)
            {
                headers.Remove(name);
            }
        }

        result.Close |= http10 && !keepAlive;
        if (headRequest || result.Status is 204 or 304)
        {
            result.Framing = Http1BodyFraming.None;
            if (contentLength >= 0 && result.Status != 204)
            {
                // A HEAD or 304 response's Content-Length describes the representation, not a body here.
                headers.ContentLength = contentLength;
            }
        }
        else if (transferEncoding)
        {
            result.Framing = Http1BodyFraming.Chunked;
        }
        else if (contentLength >= 0)
        {
            headers.ContentLength = contentLength;
            result.ContentLength = contentLength;
            result.Framing = contentLength == 0 ? Http1BodyFraming.None : Http1BodyFraming.ContentLength;
        }
        else
        {
            result.Framing = Http1BodyFraming.CloseDelimited;
            result.Close = true;
        }

        return null;
    }

    /// <summary>RFC 9110 §5.6.2 token characters.</summary>
    public static bool IsToken(ReadOnlySpan<byte> span)
    {
        foreach (var b in span)
        {
            if (!ProtocolDetector.IsTokenChar(b))
            {
                return false;
            }
        }

        return !span.IsEmpty;
    }

    /// <summary>RFC 9110 §5.5 field-value characters: visible ASCII, obs-text, SP and HTAB; no CR, LF or NUL.</summary>
    public static bool IsFieldValue(ReadOnlySpan<byte> span)
    {
        foreach (var b in span)
        {
            if (b is < 0x20 and not (byte)'\t' or 0x7F)
            {
                return false;
            }
        }

        return true;
    }

    // Content-Length: 1*DIGIT; a list of identical values (RFC 9110 §8.6) or repeated identical fields is one
    // length; anything else is refused.
    private static bool TryParseContentLength(ReadOnlySpan<byte> value, ref long length)
    {
        foreach (var range in value.Split((byte)','))
        {
            var item = value[range].Trim(" \t"u8);
            if (item.IsEmpty || item.Length > 18 || item.ContainsAnyExceptInRange((byte)'0', (byte)'9')
                || !Utf8Parser.TryParse(item, out long parsed, out var consumed) || consumed != item.Length
                || (length >= 0 && parsed != length))
            {
                return false;
            }

            length = parsed;
        }

        return true;
    }

    private static string Name(ReadOnlySpan<byte> name)
    {
        foreach (var known in KnownNames)
        {
            if (known.Length == name.Length && Ascii.EqualsIgnoreCase(name, known))
            {
                return known;
            }
        }

        return Encoding.ASCII.GetString(name);
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';
}
