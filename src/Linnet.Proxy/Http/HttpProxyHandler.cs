using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Linnet.Proxy.Authorization;
using Linnet.Proxy.Balancing;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Connections;
using Linnet.Proxy.Mirroring;
using Linnet.Proxy.Routing;
using Linnet.Proxy.Tap;
using Linnet.Proxy.Telemetry;
using Linnet.Proxy.Tls;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;

namespace Linnet.Proxy.Http;

/// <summary>The terminal stage for HTTP: picks the destination (the local app inbound; a service's
/// endpoint outbound), forwards with YARP's <see cref="IHttpForwarder"/>, and records the request. A route
/// rule with filters takes the policy stages first (HttpProxyHandler.Policy.cs).</summary>
internal sealed partial class HttpProxyHandler : IDisposable
{
    private static readonly ForwarderRequestConfig Http1 = new()
    {
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        ActivityTimeout = TimeSpan.FromDays(1),
    };

    private static readonly ForwarderRequestConfig Http2 = Http1 with { Version = HttpVersion.Version20 };

    private readonly IHttpForwarder _forwarder;
    private readonly InboundAuthorizer _authorizer;
    private readonly ServiceTable _services;
    private readonly HttpRouter _router;
    private readonly BootstrapConfig _config;
    private readonly ProxyMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<HttpProxyHandler> _logger;
    private readonly HttpMessageInvoker _inboundClient;
    private readonly HttpMessageInvoker _outboundClient;
    private readonly OutboundClientSelector _clients;
    private readonly RequestMirror _mirror;
    private readonly Random _random;
    private readonly ConcurrentDictionary<int, string> _appPrefixes = new();
    private readonly ConcurrentDictionary<IPEndPoint, string> _originalPrefixes = new();
    private readonly Func<long> _clock;
    private readonly TapHub _tap;

    /// <summary>Creates the handler with its two pooled clients and the mesh's. <paramref name="random"/> (thread-safe) draws
    /// the routes' fault and mirror percentages.</summary>
    public HttpProxyHandler(IHttpForwarder forwarder, ServiceTable services, HttpRouter router, BootstrapConfig config, ProxyMetrics metrics, TimeProvider time, ILogger<HttpProxyHandler> logger, InboundAuthorizer authorizer, MeshClients meshClients, TapHub tap, Random? random = null)
    {
        _tap = tap;
        _forwarder = forwarder;
        _authorizer = authorizer;
        _services = services;
        _router = router;
        _config = config;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _clock = time.GetTimestamp;
        _inboundClient = UpstreamClientFactory.Create(Direction.Inbound, config, metrics, time);
        _outboundClient = UpstreamClientFactory.Create(Direction.Outbound, config, metrics, time);
        _clients = new OutboundClientSelector(_outboundClient, meshClients);
        _mirror = new RequestMirror(_clients, time, logger);
        _random = random ?? Random.Shared;
    }

    /// <summary>Mirrored copies in flight now.</summary>
    internal int MirrorsInFlight => _mirror.InFlight;

    /// <summary>Proxies one request.</summary>
    public Task InvokeAsync(HttpContext context, ProxyConnectionFeature connection)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(connection);
        var start = _time.GetTimestamp();
        var request = context.Request;
        var direction = connection.Direction;
        var tls = TlsLabel.ForConnection(direction, connection.ClientIdentity);

        // Tap: nothing but this length check while nobody taps.
        if (_tap.IsActive)
        {
            _tap.Begin(context, connection, start);
        }

        if (context.Features.Get<Http1HeadCapture>() is { } head)
        {
            var inspection = head.Take();

            // RFC 9112 §6.3: both framings at once is how requests are smuggled; refuse, never forward.
            if (inspection.ConflictingFraming)
            {
                return RespondAsync(context, direction, request.Host.Value ?? "", tls, start, StatusCodes.Status400BadRequest, "bad_request", "request has both Content-Length and Transfer-Encoding");
            }

            // RFC 9112 §3.2: a request target is visible ASCII; Kestrel lets control characters through.
            if (!IsVisibleAscii(context.Features.Get<IHttpRequestFeature>()!.RawTarget))
            {
                return RespondAsync(context, direction, request.Host.Value ?? "", tls, start, StatusCodes.Status400BadRequest, "bad_request", "request target has characters that are not visible ASCII");
            }

            return ThenExpectNextHeadAsync(RouteAsync(context, connection, start, inspection.Nominated), context, head);
        }

        return RouteAsync(context, connection, start, []);
    }

    // Once a request's body has been read to its end, what the connection consumes next is the next
    // request's head. If it was not (the forward failed early), Kestrel drains the rest later and those
    // bytes are body, not head: stop checking this connection rather than misread them.
    private static async Task ThenExpectNextHeadAsync(Task forward, HttpContext context, Http1HeadCapture head)
    {
        await forward;
        var bodyDetection = context.Features.Get<IHttpRequestBodyDetectionFeature>();
        if (bodyDetection is { CanHaveBody: false })
        {
            head.BeginHead();
            return;
        }

        if (context.Request.BodyReader.TryRead(out var result))
        {
            context.Request.BodyReader.AdvanceTo(result.Buffer.Start);
            if (result.IsCompleted && result.Buffer.IsEmpty)
            {
                head.BeginHead();
            }
        }
    }

    private Task RouteAsync(HttpContext context, ProxyConnectionFeature connection, long start, IReadOnlyList<string> hopByHop)
    {
        var request = context.Request;
        var direction = connection.Direction;
        var tls = TlsLabel.ForConnection(direction, connection.ClientIdentity);

        // One read of the config in effect: this request's policy, routes and endpoints are of one version.
        var model = _services.Current;
        if (direction == Direction.Inbound)
        {
            var authority = DstCanonical.InboundAuthority(request, connection.ClientIdentity is not null);
            if (_authorizer.AuthorizeHttp(model.InboundPolicy, context, connection.TargetPort, connection.ClientIdentity) is { } unauthorized)
            {
                return DeniedAsync(context, authority, tls, start, unauthorized);
            }

            var prefix = _appPrefixes.GetOrAdd(connection.TargetPort, static (port, host) => $"http://{host}:{port}", _config.AppHost);
            // mTLS: an HTTP/1.x request that crossed the mesh in HTTP/2 goes on to the app as HTTP/1.1.
            return ForwardAsync(context, _inboundClient, prefix, null, direction, authority, tls, start, hopByHop, OrigProto.Take(request) ? Http1 : null);
        }

        var service = (connection.Role == ListenerRole.ServicePort ? model.FindByLocalPort(connection.TargetPort) : null)
            ?? FindService(model, request.Host, connection.OriginalDestination);
        if (service is null)
        {
            if (connection.OriginalDestination is { } original)
            {
                // Redirected traffic to an address no service claims: pass it through unchanged.
                var prefix = _originalPrefixes.GetOrAdd(original, static ep => $"http://{ep}");
                return ForwardAsync(context, _outboundClient, prefix, null, direction, request.Host.Value ?? original.ToString(), tls, start, hopByHop);
            }

            return RespondAsync(context, direction, request.Host.Value ?? "", tls, start, StatusCodes.Status502BadGateway, "unknown_authority",
                $"no service is known for authority '{request.Host.Value}'");
        }

        // Routes choose the backend service; metrics keep the authority the client asked for, and so does the
        // server's proxy (l5d-dst-canonical, removed again for endpoints that are not meshed).
        DstCanonical.Set(request.Headers, service.Authority);
        var target = service;
        CompiledRouteRule? rule = null;
        var backendIndex = -1;
        if (service.Rules.Length > 0)
        {
            var outcome = _router.Route(service, request, out rule, out backendIndex, out var backend);
            if (rule is not null)
            {
                NoteTapRoute(context, rule);
            }

            switch (outcome)
            {
                case RouteOutcome.NoRuleMatched:
                    return RespondAsync(context, direction, service.Authority, tls, start, StatusCodes.Status404NotFound, "no_route", "no route matches");
                case RouteOutcome.InvalidBackend:
                    return RespondAsync(context, direction, service.Authority, tls, start, StatusCodes.Status500InternalServerError, "invalid_backend",
                        $"the route rule for service '{service.Authority}' has no valid backend");
                case RouteOutcome.Redirect:
                    return RedirectAsync(context, service, rule!, tls, start);
            }

            target = backend!;
            rule!.Rewrite?.Apply(request);
            if (rule!.Policy is not null)
            {
                return ForwardWithPolicyAsync(context, service, rule, backendIndex, target, _clients.TlsLabelFor(target), start, hopByHop);
            }
        }

        var endpoint = target.Balancer.Pick();
        if (endpoint is null)
        {
            return target.Balancer.HasEndpoints
                ? RespondAsync(context, direction, service.Authority, tls, start, StatusCodes.Status503ServiceUnavailable, "all_endpoints_ejected",
                    $"service '{target.Authority}': all endpoints are ejected")
                : RespondAsync(context, direction, service.Authority, tls, start, StatusCodes.Status503ServiceUnavailable, "no_endpoints",
                    $"service '{target.Authority}' has no available endpoints");
        }

        // A meshed endpoint is reached over mTLS, in HTTP/2 between the proxies whatever the app spoke.
        var outbound = _clients.Select(endpoint, request);
        return ForwardAsync(context, outbound.Client, outbound.Prefix, endpoint, direction, service.Authority, outbound.Tls, start, hopByHop, outbound.Mesh ? Http2 : null, target, rule, backendIndex, service);
    }

    private static bool IsVisibleAscii(string target)
    {
        foreach (var c in target)
        {
            if (c is <= ' ' or >= (char)0x7F)
            {
                return false;
            }
        }

        return true;
    }

    private static ServiceState? FindService(ProxyModel model, HostString host, IPEndPoint? original)
    {
        if (!host.HasValue)
        {
            return null;
        }

        return model.Find(host.Host, host.Port ?? original?.Port);
    }

    private async Task ForwardAsync(HttpContext context, HttpMessageInvoker client, string prefix, EndpointState? endpoint, Direction direction, string authority, string tls, long start, IReadOnlyList<string> hopByHop,
        ForwarderRequestConfig? requestConfig = null, ServiceState? target = null, CompiledRouteRule? rule = null, int backendIndex = -1, ServiceState? parent = null)
    {
        _metrics.Request(direction, authority, tls).AddRequest();
        var state = new ForwardState(start) { Clock = _clock, HopByHop = hopByHop };
        var config = requestConfig ?? (HttpProtocol.IsHttp2(context.Request.Protocol) ? Http2 : Http1);
        if (endpoint is not null)
        {
            state.BeginPending(endpoint);
            NoteTapEndpoint(context, endpoint);
        }

        var forwardStart = _time.GetTimestamp();
        ForwarderError error;
        try
        {
            error = await _forwarder.SendAsync(context, prefix, client, config, state);
        }
        finally
        {
            state.EndPending();
        }

        var clientGone = error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyClient or ForwarderError.RequestBodyClient;
        if (endpoint is not null)
        {
            ObserveLatency(endpoint, error, clientGone, forwardStart, state.ResponseHeadersTimestamp);
            ReportOutcome(endpoint, target!, error, clientGone, context.Response.StatusCode);
        }

        if (rule is not null)
        {
            var routeError = error == ForwarderError.None || clientGone ? RouteMetrics.Errors.None : RouteMetrics.Errors.Unexpected;
            BackendSeriesFor(rule, backendIndex, parent!).Response(context.Response.StatusCode, routeError);
            RouteSeriesFor(rule, parent!).Status(context.Response.StatusCode, routeError);
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
                context.Response.Headers[ProxyErrors.Header] = reason;
            }
        }

        var headersAt = state.ResponseHeadersTimestamp != 0 ? state.ResponseHeadersTimestamp : _time.GetTimestamp();
        Record(context, direction, authority, tls, _time.GetElapsedTime(start, headersAt).TotalMilliseconds);
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

    private RouteSeries RouteSeriesFor(CompiledRouteRule rule, ServiceState parent) =>
        rule.Series ??= _metrics.Routes.Route(parent.Config.Key, rule.RouteName, rule.RouteKind);

    private RouteBackendSeries BackendSeriesFor(CompiledRouteRule rule, int backendIndex, ServiceState parent) =>
        rule.BackendSeries[backendIndex] ??= _metrics.Routes.Backend(parent.Config.Key, rule.RouteName, rule.Backend(backendIndex)!.Config.Key, rule.RouteKind);

    private async Task RespondAsync(HttpContext context, Direction direction, string authority, string tls, long start, int status, string reasonCode, string reason)
    {
        _metrics.Request(direction, authority, tls).AddRequest();
        _metrics.ProxyError(direction, reasonCode);
        Log.Refused(_logger, direction, authority, reason);
        if (status == StatusCodes.Status400BadRequest)
        {
            context.Response.Headers.Connection = "close";
        }

        await WriteProxyResponseAsync(context, status, null, reason);
        Record(context, direction, authority, tls, _time.GetElapsedTime(start).TotalMilliseconds);
    }

    // Gateway API RequestRedirect: the proxy's own answer, counted like a forwarded response.
    private async Task RedirectAsync(HttpContext context, ServiceState service, CompiledRouteRule rule, string tls, long start)
    {
        _metrics.Request(Direction.Outbound, service.Authority, tls).AddRequest();
        rule.Redirect!.Respond(context, service.Config.Port);
        RouteSeriesFor(rule, service).Status(context.Response.StatusCode, RouteMetrics.Errors.None);
        await context.Response.CompleteAsync();
        Record(context, Direction.Outbound, service.Authority, tls, _time.GetElapsedTime(start).TotalMilliseconds);
    }

    // Inbound authorization refused the request (Authorization/InboundAuthorizer): 403, or PERMISSION_DENIED for gRPC.
    private async Task DeniedAsync(HttpContext context, string authority, string tls, long start, string reason)
    {
        _metrics.Request(Direction.Inbound, authority, tls).AddRequest();
        _metrics.ProxyError(Direction.Inbound, "unauthorized");
        await AuthorizationResponses.WriteDeniedAsync(context, reason);
        Record(context, Direction.Inbound, authority, tls, _time.GetElapsedTime(start).TotalMilliseconds);
    }

    // A response the proxy produces itself, with the reason in l5d-proxy-error. For gRPC, a trailers-only
    // response (HTTP 200, grpc-status in the one HEADERS frame, which ends the stream), as gRPC servers
    // answer a call they fail before any message.
    private static Task WriteProxyResponseAsync(HttpContext context, int status, int? grpcStatus, string reason)
    {
        var response = context.Response;
        response.Headers[ProxyErrors.Header] = reason;
        if (grpcStatus is { } code)
        {
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/grpc";
            response.Headers["grpc-status"] = code.ToString(CultureInfo.InvariantCulture);
            response.Headers["grpc-message"] = reason;
            return Task.CompletedTask;
        }

        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        return response.WriteAsync(reason + "\n");
    }

    private void Record(HttpContext context, Direction direction, string authority, string tls, double latencyMs)
    {
        var status = context.Response.StatusCode;
        var grpc = GrpcStatus(context);
        var success = status < 500 && (grpc.Length == 0 || grpc == "0");
        _metrics.Response(direction, authority, tls, status, success, grpc).Add(latencyMs);
        if (_tap.IsActive && context.Features.Get<TapCapture>() is { } capture)
        {
            _tap.Complete(capture, context, direction, tls, latencyMs);
        }
    }

    private void NoteTapRoute(HttpContext context, CompiledRouteRule rule)
    {
        if (_tap.IsActive && context.Features.Get<TapCapture>() is { } capture)
        {
            capture.Route = rule.RouteName;
            capture.RouteKind = rule.RouteKind;
        }
    }

    private void NoteTapEndpoint(HttpContext context, EndpointState endpoint)
    {
        if (_tap.IsActive && context.Features.Get<TapCapture>() is { } capture)
        {
            capture.Endpoint = endpoint;
        }
    }

    private static string GrpcStatus(HttpContext context)
    {
        var trailers = context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers;
        if (trailers is not null && trailers.TryGetValue("grpc-status", out var fromTrailers))
        {
            return fromTrailers.ToString();
        }

        return context.Response.Headers.TryGetValue("grpc-status", out var fromHeaders) ? fromHeaders.ToString() : "";
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

    /// <inheritdoc />
    public void Dispose()
    {
        _inboundClient.Dispose();
        _outboundClient.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(3, LogLevel.Debug, "{Direction} request to {Authority} ended by the client: {Reason}")]
        public static partial void ClientGone(ILogger logger, Direction direction, string authority, string reason);

        [LoggerMessage(1, LogLevel.Warning, "{Direction} request to {Authority} via {Destination} failed: {Reason}")]
        public static partial void ForwardFailed(ILogger logger, Direction direction, string authority, string destination, string reason);

        [LoggerMessage(2, LogLevel.Information, "{Direction} request to {Authority} answered by the proxy: {Reason}")]
        public static partial void Refused(ILogger logger, Direction direction, string authority, string reason);

        [LoggerMessage(4, LogLevel.Warning, "Endpoint {Endpoint} of {Service} ejected after consecutive failures")]
        public static partial void Ejected(ILogger logger, string endpoint, string service);

        [LoggerMessage(5, LogLevel.Debug, "Outbound request to {Authority} retried: {Reason}")]
        public static partial void Retrying(ILogger logger, string authority, string reason);
    }
}
