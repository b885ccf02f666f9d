using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using Linnet.Proxy.Balancing;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Detection;
using Linnet.Proxy.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;

namespace Linnet.Proxy.Http;

/// <summary>The fast forward path for plaintext HTTP/1.1 → HTTP/1.1 hops (inbound to the app; outbound to an
/// original destination or a non-meshed endpoint): the request head written once straight from Kestrel's request
/// into a pooled upstream connection, the response head parsed once (strictly, <see cref="Http1ResponseHead"/>)
/// into Kestrel's response, bodies copied between the pipes. No <see cref="HttpRequestMessage"/>, no second HTTP
/// stack. It keeps YARP's contract: the same <see cref="ForwarderError"/> for the same failure, the
/// <see cref="IForwarderErrorFeature"/> set, 502 (or the client's 400) before the response started, the client's
/// connection aborted after. <see cref="CanForward"/> says which requests it takes; the rest go to YARP.</summary>
internal sealed class Http1Forwarder : IDisposable
{
    /// <summary>How long a pooled connection may stay idle (as the YARP path's <c>PooledConnectionIdleTimeout</c>).</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(90);

    private const ForwarderError Resend = (ForwarderError)(-1);

    private readonly ConcurrentDictionary<string, Destination> _destinations = new(StringComparer.Ordinal);
    private readonly TcpSeries _series;
    private readonly TimeSpan _connectTimeout;
    private readonly TimeProvider _time;
    private readonly ITimer _sweeper;
    private int _disposed;

    /// <summary>Creates the forwarder of one direction; its connections are counted with <c>peer="dst"</c>.</summary>
    public Http1Forwarder(Direction direction, BootstrapConfig config, ProxyMetrics metrics, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(metrics);
        _series = metrics.Tcp(direction, "dst", TlsLabel.Plaintext(direction));
        _connectTimeout = config.ConnectTimeout;
        _time = time;
        _sweeper = time.CreateTimer(static self => ((Http1Forwarder)self!).Sweep(), this, IdleTimeout / 3, IdleTimeout / 3);
    }

    /// <summary>Whether this path takes <paramref name="request"/>: an HTTP/1.1 request — or, with
    /// <paramref name="crossedMesh"/>, an HTTP/1.x request that crossed the mesh inside HTTP/2 (its
    /// <c>l5d-orig-proto</c> mark already taken, <see cref="Tls.OrigProto"/>) and goes on to the app as HTTP/1.1 —
    /// that is no upgrade, no CONNECT, has no <c>Expect</c> (100-continue is YARP's), and whose target is the
    /// origin-form Kestrel parsed unchanged (no dot segments or percent-decoding, no URLRewrite), so that the raw
    /// target is what the routes saw. Everything else (HTTP/1.0, native HTTP/2 and gRPC, absolute-form, <c>*</c>)
    /// goes through YARP.</summary>
    public static bool CanForward(HttpRequest request, bool crossedMesh = false)
    {
        var protocol = request.Protocol;
        if (!(HttpProtocol.IsHttp11(protocol) || (crossedMesh && HttpProtocol.IsHttp2(protocol))) || HttpMethods.IsConnect(request.Method))
        {
            return false;
        }

        var headers = request.Headers;
        if (headers.ContainsKey(HeaderNames.Upgrade) || headers.ContainsKey(HeaderNames.Expect))
        {
            return false;
        }

        return Target(request) is not null;
    }

    /// <summary>Forwards the request to the destination <paramref name="prefix"/> (<c>http://host:port</c>) and
    /// copies the response back. <paramref name="endpoint"/>, if any, hears of a new connection.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ForwarderError> SendAsync(HttpContext context, string prefix, ForwardState state, EndpointState? endpoint, CancellationToken cancellationToken)
    {
        var destination = _destinations.GetOrAdd(prefix, static p => new Destination(p));
        var mayResend = true;
        while (true)
        {
            var connection = mayResend ? Rent(destination) : null;
            if (connection is null)
            {
                mayResend = false;
                try
                {
                    connection = await ConnectAsync(destination, endpoint, cancellationToken);
                }
                catch (Exception ex) when (ex is SocketException or OperationCanceledException or IOException)
                {
                    return Fail(context, cancellationToken.IsCancellationRequested ? ForwarderError.RequestCanceled : ForwarderError.Request, ex);
                }
            }

            var error = await ExchangeAsync(context, connection, destination, state, mayResend, cancellationToken);
            if (error != Resend)
            {
                return error;
            }

            // The pooled connection had been closed by the upstream before anything of this request counted:
            // once more, on a new connection (as SocketsHttpHandler does).
            mayResend = false;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ForwarderError> ExchangeAsync(HttpContext context, Http1Connection connection, Destination destination, ForwardState state, bool mayResend, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var hasBody = context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true;
        var chunked = hasBody && request.ContentLength is null;
        var reusable = false;
        var drain = false;
        try
        {
            try
            {
                WriteHead(connection.Writer, request, state.HopByHop, chunked);
                await connection.Writer.FlushAsync(cancellationToken);
            }
            catch (InvalidDataException ex)
            {
                return Fail(context, ForwarderError.Request, ex);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or InvalidOperationException)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    return Fail(context, ForwarderError.RequestCanceled, ex);
                }

                return mayResend ? Resend : Fail(context, ForwarderError.Request, ex);
            }

            // The body goes up while the response comes down: an upstream may answer before it read it all.
            using var bodyFailed = hasBody ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken) : null;
            var progress = hasBody ? new BodyProgress(chunked ? -1 : request.ContentLength!.Value) : null;
            var body = hasBody ? SendBodyAsync(request.BodyReader, connection.Writer, progress!, bodyFailed!, cancellationToken) : null;
            var reader = connection.Reader;
            var headToken = bodyFailed?.Token ?? cancellationToken;
            Http1ResponseHead head;
            while (true)
            {
                ReadResult result;
                SequencePosition? end;
                try
                {
                    result = await reader.ReadAsync(headToken);
                    end = Http1ResponseHead.FindEnd(result.Buffer);
                }
                catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or InvalidOperationException)
                {
                    return await HeadFailedAsync(context, body, ex, mayResend && !hasBody, cancellationToken);
                }

                var buffer = result.Buffer;
                if (end is null)
                {
                    if (buffer.Length > Http1ResponseHead.MaxHeadBytes)
                    {
                        return Fail(context, ForwarderError.Request, new InvalidDataException("the response head is too large"));
                    }

                    if (result.IsCompleted)
                    {
                        if (buffer.IsEmpty && mayResend && !hasBody)
                        {
                            return Resend;
                        }

                        return await HeadFailedAsync(context, body, new IOException("the upstream closed the connection before the response head"), false, cancellationToken);
                    }

                    reader.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                }

                var headBytes = buffer.Slice(0, end.Value);
                var error = ParseHead(headBytes, HttpMethods.IsHead(request.Method), context.Response, out head);
                reader.AdvanceTo(end.Value);
                if (error is not null)
                {
                    return Fail(context, ForwarderError.Request, new InvalidDataException(error));
                }

                if (head.Status == StatusCodes.Status101SwitchingProtocols)
                {
                    return Fail(context, ForwarderError.Request, new InvalidDataException("the upstream switched protocols unasked"));
                }

                if (!head.Interim)
                {
                    break;
                }
            }

            state.OnResponseHead();
            state.ResponseHeaders?.Apply(context.Response.Headers);
            var (bodyError, bodyException) = head.Framing switch
            {
                Http1BodyFraming.None => (ForwarderError.None, null),
                Http1BodyFraming.ContentLength => await Http1ResponseBody.CopyAsync(reader, context.Response.BodyWriter, head.ContentLength, cancellationToken),
                Http1BodyFraming.Chunked => await Http1ResponseBody.CopyChunkedAsync(reader, context.Response, cancellationToken),
                _ => await Http1ResponseBody.CopyAsync(reader, context.Response.BodyWriter, -1, cancellationToken),
            };

            if (bodyError == ForwarderError.None && head.Framing != Http1BodyFraming.None)
            {
                // The body's last bytes: Kestrel would send them when the request ends, but a wrapped body (tap's
                // byte count) buffers until flushed.
                (bodyError, bodyException) = await Http1ResponseBody.FlushAsync(context.Response.BodyWriter, cancellationToken);
            }

            if (bodyError != ForwarderError.None)
            {
                return BodyFailed(context, bodyError, bodyException);
            }

            if (body is not null)
            {
                if (!body.IsCompleted && !progress!.AllWritten)
                {
                    // Answered before the request body was all sent: the connection goes, and the copy with it.
                    return ForwarderError.None;
                }

                // Every byte of a known length is up (the copy at most finishing its flush): the request is whole on
                // this connection, however late the client's end of stream (an HTTP/2 END_STREAM after the data).
                var (requestError, requestException) = await body;
                if (requestError != ForwarderError.None)
                {
                    return BodyFailed(context, requestError, requestException);
                }
            }

            reusable = !head.Close && !Http1ResponseBody.HasExtraBytes(reader);
            drain = progress is { Ended: false };
            return ForwarderError.None;
        }
        finally
        {
            if (reusable)
            {
                Return(destination, connection);
            }
            else
            {
                connection.Dispose();
            }

            if (drain)
            {
                // The connection is free; the request ends when its client says so, as it would have had the copy
                // waited for that end: an HTTP/2 stream is then closed by both ends rather than reset.
                await DrainAsync(request.BodyReader, cancellationToken);
            }
        }
    }

    // The response head did not come: the request body's failure if it failed first (the client's, or writing
    // it up), otherwise the exchange's.
    private static async Task<ForwarderError> HeadFailedAsync(HttpContext context, Task<(ForwarderError, Exception?)>? body, Exception exception, bool mayResend, CancellationToken cancellationToken)
    {
        // A failed body cancels the wait for the head (and may still be finishing when the wait ends).
        if (body is not null && (body.IsCompleted || exception is OperationCanceledException))
        {
            var (bodyError, bodyException) = await body;
            if (bodyError != ForwarderError.None)
            {
                return Fail(context, bodyError, bodyException);
            }
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return Fail(context, ForwarderError.RequestCanceled, exception);
        }

        return mayResend && exception is IOException or SocketException ? Resend : Fail(context, ForwarderError.Request, exception);
    }

    private static string? ParseHead(in ReadOnlySequence<byte> head, bool headRequest, HttpResponse response, out Http1ResponseHead result)
    {
        if (head.IsSingleSegment)
        {
            return Http1ResponseHead.Parse(head.FirstSpan, headRequest, response, out result);
        }

        var length = (int)head.Length;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            head.CopyTo(rented);
            return Http1ResponseHead.Parse(rented.AsSpan(0, length), headRequest, response, out result);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The request head: <c>METHOD target HTTP/1.1</c>, <c>Host</c>, the client's fields but the hop-by-hop
    /// ones (RFC 9110 §7.6.1) and those its <c>Connection</c> nominated; a body of unknown length goes chunked.</summary>
    private static void WriteHead(PipeWriter writer, HttpRequest request, IReadOnlyList<string> hopByHop, bool chunked)
    {
        var target = Target(request)!;
        Write(writer, request.Method);
        Write(writer, " "u8);
        Write(writer, target);
        Write(writer, " HTTP/1.1\r\nHost: "u8);
        Write(writer, request.Host.Value ?? "");
        Write(writer, "\r\n"u8);
        foreach (var (name, values) in request.Headers)
        {
            if (name.Equals(HeaderNames.Host, StringComparison.OrdinalIgnoreCase) || HopByHopFields.IsHopByHop(name) || Nominated(hopByHop, name))
            {
                continue;
            }

            Write(writer, name);
            Write(writer, ": "u8);
            var separator = name.Equals(HeaderNames.Cookie, StringComparison.OrdinalIgnoreCase) ? "; "u8 : ", "u8;
            for (var i = 0; i < values.Count; i++)
            {
                if (i > 0)
                {
                    Write(writer, separator);
                }

                Write(writer, values[i] ?? "");
            }

            Write(writer, "\r\n"u8);
        }

        if (chunked)
        {
            Write(writer, "Transfer-Encoding: chunked\r\n"u8);
        }

        Write(writer, "\r\n"u8);
    }

    private static bool Nominated(IReadOnlyList<string> hopByHop, string name)
    {
        for (var i = 0; i < hopByHop.Count; i++)
        {
            if (hopByHop[i].Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    // The raw target when it is the origin-form Kestrel parsed unchanged; null otherwise.
    private static string? Target(HttpRequest request)
    {
        var raw = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw) || raw[0] != '/' || request.PathBase.HasValue)
        {
            return null;
        }

        var query = raw.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? raw.AsSpan() : raw.AsSpan(0, query);
        if (!path.SequenceEqual(request.Path.Value))
        {
            return null;
        }

        var queryString = request.QueryString.Value ?? "";
        return (query < 0 ? queryString.Length == 0 : raw.AsSpan(query).SequenceEqual(queryString)) ? raw : null;
    }

    private static void Write(PipeWriter writer, ReadOnlySpan<byte> bytes) => writer.Write(bytes);

    // Header values as Latin-1, as Kestrel reads them; a CR, LF or NUL (which Kestrel never lets into a parsed
    // field, but a filter's value might carry) would split the head and is refused.
    private static void Write(PipeWriter writer, string text)
    {
        if (text.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
        {
            throw new InvalidDataException("a request header value contains CR, LF or NUL");
        }

        var span = writer.GetSpan(text.Length);
        var n = Encoding.Latin1.GetBytes(text, span);
        writer.Advance(n);
    }

    // Copies the client's body up: as is (Content-Length, Kestrel enforces it), or chunked when its length is not
    // known. A failure cancels the wait for the response head.
    private static async Task<(ForwarderError, Exception?)> SendBodyAsync(PipeReader body, PipeWriter upstream, BodyProgress progress, CancellationTokenSource failed, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var chunked = progress.Length < 0;
        if (progress.AllWritten)
        {
            // Content-Length: 0: nothing to send (the end of the stream is read once the exchange is over).
            return (ForwarderError.None, null);
        }

        while (true)
        {
            ReadResult result;
            try
            {
                result = await body.ReadAsync(cancellationToken);
            }
            catch (Exception ex)
            {
                Cancel(failed);
                return (cancellationToken.IsCancellationRequested ? ForwarderError.RequestBodyCanceled : ForwarderError.RequestBodyClient, ex);
            }

            var buffer = result.Buffer;
            try
            {
                if (!chunked && buffer.Length > progress.Remaining)
                {
                    // Never more than the announced length (Kestrel enforces it; this keeps the head honest regardless).
                    buffer = buffer.Slice(0, progress.Remaining);
                }

                if (!buffer.IsEmpty)
                {
                    if (chunked)
                    {
                        var span = upstream.GetSpan(18);
                        buffer.Length.TryFormat(span, out var n, "x", System.Globalization.CultureInfo.InvariantCulture);
                        upstream.Advance(n);
                        Write(upstream, "\r\n"u8);
                    }

                    foreach (var segment in buffer)
                    {
                        upstream.Write(segment.Span);
                    }

                    if (chunked)
                    {
                        Write(upstream, "\r\n"u8);
                    }
                }

                if (result.IsCompleted && chunked)
                {
                    Write(upstream, "0\r\n\r\n"u8);
                }

                body.AdvanceTo(buffer.End);
                progress.Wrote(buffer.Length);
                var flush = await upstream.FlushAsync(cancellationToken);
                progress.Ended = result.IsCompleted;
                if (result.IsCompleted || progress.AllWritten)
                {
                    return (ForwarderError.None, null);
                }

                if (flush.IsCompleted || flush.IsCanceled)
                {
                    Cancel(failed);
                    return (ForwarderError.RequestBodyDestination, new IOException("the upstream connection closed while the request body was sent"));
                }
            }
            catch (Exception ex)
            {
                Cancel(failed);
                return (cancellationToken.IsCancellationRequested ? ForwarderError.RequestBodyCanceled : ForwarderError.RequestBodyDestination, ex);
            }
        }
    }

    // How much of a request body is up: written into the connection's pipe (a flush may still be under way).
    // Length -1: unknown, sent chunked.
    private sealed class BodyProgress(long length)
    {
        private long _written;

        public long Length => length;

        public long Remaining => length - Volatile.Read(ref _written);

        /// <summary>The client's body ended (as opposed to: the copy stopped once all of a known length was written).</summary>
        public bool Ended { get; set; }

        /// <summary>A known length, all of it written.</summary>
        public bool AllWritten => length >= 0 && Volatile.Read(ref _written) == length;

        public void Wrote(long count) => Volatile.Write(ref _written, _written + count);
    }

    // Reads what is left of a body whose announced length was all sent up (nothing but its end, Kestrel enforcing
    // the length); a failure here is the client's stream ending badly after a complete exchange, and not reported.
    private static async Task DrainAsync(PipeReader body, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var result = await body.ReadAsync(cancellationToken);
                body.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or BadHttpRequestException)
        {
            // The exchange was complete; the client's stream is its own.
        }
    }

    private static void Cancel(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The exchange is over already.
        }
    }

    // A failure before the response head: 502 (or YARP's 400 for a client's broken body), nothing of the
    // upstream's response kept.
    private static ForwarderError Fail(HttpContext context, ForwarderError error, Exception? exception)
    {
        context.Features.Set<IForwarderErrorFeature>(new ErrorFeature(error, exception));
        var response = context.Response;
        if (!response.HasStarted)
        {
            response.Headers.Clear();
            context.Features.Get<IHttpResponseFeature>()!.ReasonPhrase = null;
            response.StatusCode = error == ForwarderError.RequestBodyClient ? StatusCodes.Status400BadRequest : StatusCodes.Status502BadGateway;
        }

        return error;
    }

    // A failure after the response head: the client must not take a cut-off response for a whole one.
    private static ForwarderError BodyFailed(HttpContext context, ForwarderError error, Exception? exception)
    {
        if (context.Response.HasStarted)
        {
            context.Features.Set<IForwarderErrorFeature>(new ErrorFeature(error, exception));
            context.Abort();
            return error;
        }

        return Fail(context, error, exception);
    }

    private Http1Connection? Rent(Destination destination)
    {
        var now = _time.GetTimestamp();
        while (destination.TryPop(out var connection))
        {
            if (_time.GetElapsedTime(connection.IdleSince, now) < IdleTimeout && !connection.IsStale())
            {
                return connection;
            }

            connection.Dispose();
        }

        return null;
    }

    private void Return(Destination destination, Http1Connection connection)
    {
        connection.IdleSince = _time.GetTimestamp();
        destination.Push(connection);
        if (Volatile.Read(ref _disposed) != 0 && destination.TryPop(out var late))
        {
            late.Dispose();
        }
    }

    private async Task<Http1Connection> ConnectAsync(Destination destination, EndpointState? endpoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_connectTimeout);
            try
            {
                await socket.ConnectAsync(destination.EndPoint, timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new IOException($"connect timed out after {_connectTimeout.TotalMilliseconds:0} ms");
            }
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        _series.OnOpen();
        var opened = _time.GetTimestamp();
        endpoint?.OnConnected(opened);
        return new Http1Connection(socket, _series, () => _time.GetElapsedTime(opened).TotalMilliseconds);
    }

    private void Sweep()
    {
        var now = _time.GetTimestamp();
        foreach (var destination in _destinations.Values)
        {
            var idle = destination.TakeAll();
            for (var i = idle.Count - 1; i >= 0; i--)
            {
                // Oldest first back in, so that the most recently used stays on top.
                if (_time.GetElapsedTime(idle[i].IdleSince, now) < IdleTimeout && !idle[i].IsStale())
                {
                    destination.Push(idle[i]);
                }
                else
                {
                    idle[i].Dispose();
                }
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _sweeper.Dispose();
        foreach (var destination in _destinations.Values)
        {
            foreach (var connection in destination.TakeAll())
            {
                connection.Dispose();
            }
        }
    }

    // One upstream address and its idle connections, most recently used first (a stack under a lock: no allocation
    // per request, as a concurrent stack's nodes would be).
    private sealed class Destination
    {
        private readonly Stack<Http1Connection> _idle = new();

        public Destination(string prefix)
        {
            var uri = new Uri(prefix);
            var host = uri.Host.Trim('[', ']');
            EndPoint = IPAddress.TryParse(host, out var address) ? new IPEndPoint(address, uri.Port) : new DnsEndPoint(host, uri.Port);
        }

        public EndPoint EndPoint { get; }

        public bool TryPop([NotNullWhen(true)] out Http1Connection? connection)
        {
            lock (_idle)
            {
                return _idle.TryPop(out connection);
            }
        }

        public void Push(Http1Connection connection)
        {
            lock (_idle)
            {
                _idle.Push(connection);
            }
        }

        // Every idle connection, most recently used first; the pool is left empty.
        public List<Http1Connection> TakeAll()
        {
            lock (_idle)
            {
                var all = new List<Http1Connection>(_idle);
                _idle.Clear();
                return all;
            }
        }
    }

    private sealed class ErrorFeature(ForwarderError error, Exception? exception) : IForwarderErrorFeature
    {
        public ForwarderError Error { get; } = error;

        public Exception? Exception { get; } = exception;
    }
}
