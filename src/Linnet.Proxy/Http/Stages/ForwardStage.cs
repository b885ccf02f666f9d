using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Linnet.Proxy.Balancing;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Routing;
using Linnet.Proxy.Telemetry;
using Linnet.Proxy.Tls;
using Linnet.Proxy.Upstream;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Linnet.Proxy.Http.Stages;

/// <summary>The last stage: forwards plaintext HTTP/1.1 → HTTP/1.1 hops without a policy on the fast path
/// (<see cref="Http1Forwarder"/>), everything else with YARP's <see cref="IHttpForwarder"/> (<see cref="ForwardState"/>
/// keeps Host and strips hop-by-hop on both) — inbound to the app; outbound to the endpoint the balancer picked (a meshed one
/// over mTLS HTTP/2, <see cref="OutboundClientSelector"/>), or to the original destination when no service
/// claims the request. It feeds the endpoint's latency estimate and circuit breaker. A request without a
/// policy is recorded here; an attempt of one with a policy reports how it ended (<see cref="AttemptResult"/>)
/// to the retry stage and is recorded by the filters stage.</summary>
internal sealed partial class ForwardStage : IRequestStage
{
    private static readonly ForwarderRequestConfig Http1 = new()
    {
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        ActivityTimeout = TimeSpan.FromDays(1),
    };

    private static readonly ForwarderRequestConfig Http2 = Http1 with { Version = HttpVersion.Version20 };

    private readonly IHttpForwarder _forwarder;
    private readonly HttpMessageInvoker _inboundClient;
    private readonly HttpMessageInvoker _outboundClient;
    private readonly OutboundClientSelector _clients;
    private readonly BootstrapConfig _config;
    private readonly ProxyResponses _responses;
    private readonly ProxyMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<long> _clock;
    private readonly Http1Forwarder? _fastInbound;
    private readonly Http1Forwarder? _fastOutbound;
    private readonly ConcurrentDictionary<int, string> _appPrefixes = new();
    private readonly ConcurrentDictionary<IPEndPoint, string> _originalPrefixes = new();

    /// <summary>Creates the stage over the proxy's pooled clients: <paramref name="inboundClient"/> to the app,
    /// <paramref name="clients"/> (plaintext or the mesh's) to endpoints and original destinations; with
    /// <paramref name="fastInbound"/> and <paramref name="fastOutbound"/>, plaintext HTTP/1.1 → HTTP/1.1 hops take
    /// the fast path (<see cref="Http1Forwarder"/>).</summary>
    public ForwardStage(IHttpForwarder forwarder, HttpMessageInvoker inboundClient, OutboundClientSelector clients, BootstrapConfig config, ProxyResponses responses, TimeProvider time, ILogger logger, Http1Forwarder? fastInbound = null, Http1Forwarder? fastOutbound = null)
    {
        _fastInbound = fastInbound;
        _fastOutbound = fastOutbound;
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(responses);
        ArgumentNullException.ThrowIfNull(time);
        _forwarder = forwarder;
        _inboundClient = inboundClient;
        _outboundClient = clients.Plain;
        _clients = clients;
        _config = config;
        _responses = responses;
        _metrics = responses.Metrics;
        _time = time;
        _logger = logger;
        _clock = time.GetTimestamp;
    }

    /// <inheritdoc />
    public string Name => "forward";

    /// <inheritdoc />
    public Task InvokeAsync(RequestState request, ProxyRequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(request);
        var context = request.Context;
        var connection = request.Connection;
        var http = context.Request;
        if (request.Direction == Direction.Inbound)
        {
            var authority = request.InboundAuthority;
            var prefix = _appPrefixes.GetOrAdd(connection.TargetPort, static (port, host) => $"http://{host}:{port}", _config.AppHost);
            // mTLS: an HTTP/1.x request that crossed the mesh in HTTP/2 goes on to the app as HTTP/1.1 — on the fast
            // path like a plaintext HTTP/1.1 request, since this is the last hop of every meshed HTTP/1.x request.
            var crossedMesh = OrigProto.Take(http);
            return ForwardAsync(request, _inboundClient, prefix, null, authority, request.Tls, crossedMesh ? Http1 : null, _fastInbound, crossedMesh);
        }

        if (request.Service is not { } service)
        {
            // Redirected traffic to an address no service claims: pass it through unchanged.
            var original = connection.OriginalDestination!;
            var prefix = _originalPrefixes.GetOrAdd(original, static ep => $"http://{ep}");
            return ForwardAsync(request, _outboundClient, prefix, null, http.Host.Value ?? original.ToString(), request.Tls, fast: _fastOutbound);
        }

        if (request.Policy is not null)
        {
            return AttemptAsync(request);
        }

        // A meshed endpoint is reached over mTLS, in HTTP/2 between the proxies whatever the app spoke.
        var endpoint = request.Endpoint!;
        var outbound = _clients.Select(endpoint, http);
        return ForwardAsync(request, outbound.Client, outbound.Prefix, endpoint, service.Authority, outbound.Tls, outbound.Mesh ? Http2 : null, outbound.Mesh ? null : _fastOutbound);
    }

    // `fast`: the plaintext HTTP/1.1 forwarder of this hop, which takes the request if it is plain HTTP/1.1
    // (Http1Forwarder.CanForward); everything else goes through YARP.
    private async Task ForwardAsync(RequestState request, HttpMessageInvoker client, string prefix, EndpointState? endpoint, string authority, string tls, ForwarderRequestConfig? requestConfig = null, Http1Forwarder? fast = null, bool crossedMesh = false)
    {
        var context = request.Context;
        var direction = request.Direction;
        _metrics.Request(direction, authority, tls).AddRequest();
        var state = new ForwardState(request.Start) { Clock = _clock, HopByHop = request.HopByHop };
        var config = requestConfig ?? (HttpProtocol.IsHttp2(context.Request.Protocol) ? Http2 : Http1);
        if (endpoint is not null)
        {
            state.BeginPending(endpoint);
            _responses.NoteTapEndpoint(context, endpoint);
        }

        var forwardStart = _time.GetTimestamp();
        ForwarderError error;
        try
        {
            error = fast is not null && Http1Forwarder.CanForward(context.Request, crossedMesh)
                ? await fast.SendAsync(context, prefix, state, endpoint, context.RequestAborted)
                : await _forwarder.SendAsync(context, prefix, client, config, state);
        }
        finally
        {
            state.EndPending();
        }

        var clientGone = error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyClient or ForwarderError.RequestBodyClient;
        if (endpoint is not null)
        {
            ObserveLatency(endpoint, error, clientGone, forwardStart, state.ResponseHeadersTimestamp);
            ReportOutcome(endpoint, request.Target!, error, clientGone, context.Response.StatusCode);
        }

        if (request.Rule is { } rule)
        {
            var parent = request.Service!;
            var routeError = error == ForwarderError.None || clientGone ? RouteMetrics.Errors.None : RouteMetrics.Errors.Unexpected;
            _responses.BackendSeriesFor(rule, request.BackendIndex, parent).Response(context.Response.StatusCode, routeError);
            _responses.RouteSeriesFor(rule, parent).Status(context.Response.StatusCode, routeError);
        }

        if (error != ForwarderError.None)
        {
            var reason = Describe(error, context, prefix);
            if (clientGone)
            {
                // The client went away: routine for a proxy, and not the destination's fault.
                Log.ClientGone(_logger, direction, authority, reason);
            }
            else
            {
                Log.ForwardFailed(_logger, direction, authority, prefix, reason);
            }

            if (!context.Response.HasStarted)
            {
                if (clientGone)
                {
                    context.Response.Headers[ProxyErrors.Header] = reason;
                }
                else
                {
                    await ProxyResponses.WriteAsync(context, ProxyError.ForwardFailed(context.Response.StatusCode), reason);
                }
            }
        }

        var headersAt = state.ResponseHeadersTimestamp != 0 ? state.ResponseHeadersTimestamp : _time.GetTimestamp();
        _responses.Record(context, direction, authority, tls, _time.GetElapsedTime(request.Start, headersAt).TotalMilliseconds);
    }

    // One attempt of a request with a policy, to the endpoint the balancer picked, within the attempt's
    // cancellation (deadline and per-try timeout) and the rule's idle timeout.
    private async Task AttemptAsync(RequestState request)
    {
        var context = request.Context;
        var policy = request.Policy!;
        var endpoint = request.Endpoint!;
        var backend = request.Target!;
        var series = request.Series!;
        var backendSeries = request.BackendSeries!;
        var deadline = request.Deadline;
        var perTry = request.PerTry;
        var authority = request.Service!.Authority;
        var outbound = _clients.Select(endpoint, context.Request);
        request.AttemptLabels = outbound.Tls;
        var prefix = outbound.Prefix;
        var state = new ForwardState(request.Start) { Clock = _clock, HopByHop = request.HopByHop, ResponseHeaders = policy.ResponseHeaders, Retry = request.Retries };
        state.BeginPending(endpoint);
        _responses.NoteTapEndpoint(context, endpoint);
        var forwardStart = _time.GetTimestamp();
        ForwarderError error;

        // Whether the client went away before the forwarder gave up: the forwarder reports its own error and
        // then aborts the client's stream, so an abort seen with no error reported yet is the client's.
        var clientAbortedFirst = false;
        using var abortWatch = policy.IdleTimeout is null
            ? default
            : context.RequestAborted.Register(() => clientAbortedFirst = context.GetForwarderErrorFeature() is null);
        try
        {
            var requestConfig = outbound.Mesh ? Http2 : HttpProtocol.IsHttp2(context.Request.Protocol) ? Http2 : Http1;
            if (policy.IdleTimeout is { } idle)
            {
                // YARP's activity timeout restarts on every read or write of either body and on the
                // response head: exactly "idle, whatever its state".
                requestConfig = requestConfig with { ActivityTimeout = idle };
            }

            error = await _forwarder.SendAsync(context, prefix, outbound.Client, requestConfig, state, request.AttemptToken);
        }
        finally
        {
            state.EndPending();
        }

        var requestTimedOut = deadline?.IsCancellationRequested == true;
        var tryTimedOut = !requestTimedOut && perTry?.IsCancellationRequested == true;
        // With our own tokens quiet and the client not the first to go, a cancelled exchange can only be the
        // idle timer (YARP's activity timeout).
        var idleTimedOut = policy.IdleTimeout is not null && !requestTimedOut && !tryTimedOut && !clientAbortedFirst
            && (error is ForwarderError.RequestTimedOut or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled
                || (error is ForwarderError.ResponseBodyDestination && IsCancellation(context.GetForwarderErrorFeature()?.Exception)));
        var clientGone = (context.RequestAborted.IsCancellationRequested && !idleTimedOut)
            || (!requestTimedOut && !tryTimedOut && !idleTimedOut && error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyClient or ForwarderError.RequestBodyClient);
        var status = context.Response.StatusCode;
        ObserveLatency(endpoint, error, clientGone, forwardStart, state.ResponseHeadersTimestamp);
        ReportOutcome(endpoint, backend, error, clientGone || requestTimedOut, tryTimedOut ? StatusCodes.Status504GatewayTimeout : status);

        if (state.Suppressed)
        {
            backendSeries.Response(status, RouteMetrics.Errors.None);
            request.Attempt = new AttemptResult(AttemptKind.Suppressed, RouteMetrics.Errors.None, 0, string.Create(CultureInfo.InvariantCulture, $"{endpoint.Config.Address} answered {status}"));
            return;
        }

        if (error == ForwarderError.None)
        {
            backendSeries.Response(status, RouteMetrics.Errors.None);
            request.Attempt = AttemptResult.Done(RouteMetrics.Errors.None, state.ResponseHeadersTimestamp);
            return;
        }

        if (clientGone)
        {
            backendSeries.Response(status, RouteMetrics.Errors.None);
            Log.ClientGone(_logger, Direction.Outbound, authority, Describe(error, context, prefix));
            request.Attempt = AttemptResult.Done(RouteMetrics.Errors.None, state.ResponseHeadersTimestamp);
            return;
        }

        var timeoutError = requestTimedOut ? RouteMetrics.Errors.RequestTimeout
            : tryTimedOut ? RouteMetrics.Errors.BackendTimeout
            : idleTimedOut ? RouteMetrics.Errors.IdleTimeout
            : RouteMetrics.Errors.Unexpected;
        if (requestTimedOut)
        {
            series.RequestTimeout();
        }
        else if (tryTimedOut)
        {
            series.BackendTimeout();
        }
        else if (idleTimedOut)
        {
            series.IdleTimeout();
        }

        if (context.Response.HasStarted)
        {
            // The forwarder has reset the stream (HTTP/2) or aborted the connection (HTTP/1.1): the client
            // must not take a cut-off response for a complete one.
            backendSeries.Response(status, timeoutError);
            request.Attempt = AttemptResult.Done(timeoutError, state.ResponseHeadersTimestamp);
            return;
        }

        if (requestTimedOut || idleTimedOut)
        {
            // An idle timeout, as Linkerd's route timeouts, is not retried.
            backendSeries.Response(StatusCodes.Status504GatewayTimeout, timeoutError);
            await ProxyResponses.WriteAsync(context, requestTimedOut ? ProxyError.RequestTimeout : ProxyError.IdleTimeout, requestTimedOut ? "request timed out" : "stream idle timeout");
            request.Attempt = AttemptResult.Done(timeoutError, 0);
            return;
        }

        if (tryTimedOut)
        {
            backendSeries.Response(StatusCodes.Status504GatewayTimeout, timeoutError);
            request.Attempt = new AttemptResult(AttemptKind.TryTimedOut, timeoutError, 0, $"{endpoint.Config.Address} timed out");
            return;
        }

        backendSeries.Response(status, RouteMetrics.Errors.Unexpected);
        request.Attempt = new AttemptResult(AttemptKind.Failed, RouteMetrics.Errors.Unexpected, 0, Describe(error, context, prefix), prefix, error == ForwarderError.Request);
    }

    // The balancer's latency sample: time to the response headers, not counting the setup of a new
    // connection (EndpointState.SampleBetween); a failed forward counts as a slow sample (to its end, at
    // least the current estimate); a client that went away before the headers says nothing about the
    // endpoint.
    private void ObserveLatency(EndpointState endpoint, ForwarderError error, bool clientGone, long forwardStart, long headersAt)
    {
        if (error == ForwarderError.None || (clientGone && headersAt != 0))
        {
            endpoint.Observe(endpoint.SampleBetween(forwardStart, headersAt != 0 ? headersAt : _time.GetTimestamp()));
        }
        else if (!clientGone)
        {
            endpoint.ObserveFailure(endpoint.SampleBetween(forwardStart, _time.GetTimestamp()));
        }
    }

    // Circuit breaking: 5xx and failed forwards count against the endpoint; a client that went away
    // says nothing about it.
    private void ReportOutcome(EndpointState endpoint, ServiceState target, ForwarderError error, bool abandoned, int status)
    {
        if (abandoned)
        {
            endpoint.Breaker.OnAbandoned();
        }
        else if (status >= 500 || error != ForwarderError.None)
        {
            if (endpoint.Breaker.OnFailure())
            {
                _metrics.Routes.Ejection(target.Config.Key, endpoint.Config.Address);
                Log.Ejected(_logger, endpoint.Config.Address, target.Authority);
            }
        }
        else
        {
            endpoint.Breaker.OnSuccess();
        }
    }

    // A read of the upstream's response body cancelled by the forwarder's own timer surfaces as a failed read
    // (an IOException around the cancellation), not as a cancelled copy.
    private static bool IsCancellation(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is OperationCanceledException)
            {
                return true;
            }
        }

        return false;
    }

    private static string Describe(ForwarderError error, HttpContext context, string prefix)
    {
        var exception = context.GetForwarderErrorFeature()?.Exception;
        var detail = exception?.InnerException?.Message ?? exception?.Message ?? "";
        var what = error switch
        {
            ForwarderError.Request => $"connection to {prefix} failed",
            ForwarderError.RequestTimedOut => $"request to {prefix} timed out",
            ForwarderError.RequestCanceled => "client canceled the request",
            ForwarderError.RequestBodyClient => "reading the client's request body failed",
            ForwarderError.RequestBodyDestination => $"sending the request body to {prefix} failed",
            ForwarderError.RequestBodyCanceled => "request body canceled",
            ForwarderError.ResponseBodyDestination => $"reading the response body from {prefix} failed",
            ForwarderError.ResponseBodyClient => "writing the response body to the client failed",
            ForwarderError.ResponseBodyCanceled => "response body canceled",
            ForwarderError.UpgradeRequestDestination or ForwarderError.UpgradeResponseDestination => $"upgraded connection to {prefix} failed",
            _ => $"forwarding to {prefix} failed ({error})",
        };
        return detail.Length > 0 ? string.Create(CultureInfo.InvariantCulture, $"{what}: {Sanitize(detail)}") : what;
    }

    // Header values cannot carry control characters.
    private static string Sanitize(string text)
    {
        Span<char> buffer = text.Length <= 256 ? stackalloc char[text.Length] : new char[text.Length];
        for (var i = 0; i < text.Length; i++)
        {
            buffer[i] = text[i] is < ' ' or > '~' ? ' ' : text[i];
        }

        return new string(buffer);
    }

    private static partial class Log
    {
        [LoggerMessage(3, LogLevel.Debug, "{Direction} request to {Authority} ended by the client: {Reason}")]
        public static partial void ClientGone(ILogger logger, Direction direction, string authority, string reason);

        [LoggerMessage(1, LogLevel.Warning, "{Direction} request to {Authority} via {Destination} failed: {Reason}")]
        public static partial void ForwardFailed(ILogger logger, Direction direction, string authority, string destination, string reason);

        [LoggerMessage(4, LogLevel.Warning, "Endpoint {Endpoint} of {Service} ejected after consecutive failures")]
        public static partial void Ejected(ILogger logger, string endpoint, string service);
    }
}
