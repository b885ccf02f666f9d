using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Linnet.Proxy.Authorization;
using Linnet.Proxy.Balancing;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Http.Stages;
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

/// <summary>Runs each request through the request stages (<see cref="RequestPipeline"/>) and is their last:
/// forwards with YARP's <see cref="IHttpForwarder"/> to the local app (inbound) or a service's endpoint
/// (outbound) and records the request. A route rule with filters takes the policy steps first
/// (HttpProxyHandler.Policy.cs).</summary>
internal sealed partial class HttpProxyHandler : IRequestStage, IDisposable
{
    private static readonly ForwarderRequestConfig Http1 = new()
    {
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        ActivityTimeout = TimeSpan.FromDays(1),
    };

    private static readonly ForwarderRequestConfig Http2 = Http1 with { Version = HttpVersion.Version20 };

    private readonly IHttpForwarder _forwarder;
    private readonly ServiceTable _services;
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
    private readonly ProxyResponses _responses;
    private readonly RequestPipeline _pipeline;

    /// <summary>Creates the handler with its two pooled clients and the mesh's. <paramref name="random"/> (thread-safe) draws
    /// the routes' fault and mirror percentages.</summary>
    public HttpProxyHandler(IHttpForwarder forwarder, ServiceTable services, HttpRouter router, BootstrapConfig config, ProxyMetrics metrics, TimeProvider time, ILogger<HttpProxyHandler> logger, InboundAuthorizer authorizer, MeshClients meshClients, TapHub tap, ProxyResponses responses, Random? random = null)
    {
        _responses = responses;
        _pipeline = new RequestPipeline(new HeadChecksStage(responses), new InboundAuthorizationStage(authorizer, responses), new DestinationStage(responses), new RouteStage(router, responses), this);
        _tap = tap;
        _forwarder = forwarder;
        _services = services;
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

    /// <summary>The request stages, in order, this handler's forward last.</summary>
    internal RequestPipeline Pipeline => _pipeline;

    /// <inheritdoc />
    public string Name => "forward";

    /// <summary>Proxies one request: through the request stages, with the config in effect read once.</summary>
    public Task InvokeAsync(HttpContext context, ProxyConnectionFeature connection)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(connection);
        var start = _time.GetTimestamp();

        // Tap: nothing but this length check while nobody taps.
        if (_tap.IsActive)
        {
            _tap.Begin(context, connection, start);
        }

        return _pipeline.RunAsync(new RequestState(context, connection, start, _services.Current));
    }

    /// <summary>The last stage: inbound, to the app; outbound, through the rule's filters (mirror, retries,
    /// HttpProxyHandler.Policy.cs) or straight to an endpoint the balancer picks; or to the original
    /// destination when no service claims the request.</summary>
    public Task InvokeAsync(RequestState state, ProxyRequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(state);
        var context = state.Context;
        var connection = state.Connection;
        var request = context.Request;
        var direction = state.Direction;
        var tls = state.Tls;
        var start = state.Start;
        var hopByHop = state.HopByHop;
        if (direction == Direction.Inbound)
        {
            var authority = state.InboundAuthority;
            var prefix = _appPrefixes.GetOrAdd(connection.TargetPort, static (port, host) => $"http://{host}:{port}", _config.AppHost);
            // mTLS: an HTTP/1.x request that crossed the mesh in HTTP/2 goes on to the app as HTTP/1.1.
            return ForwardAsync(context, _inboundClient, prefix, null, direction, authority, tls, start, hopByHop, OrigProto.Take(request) ? Http1 : null);
        }

        if (state.Service is not { } service)
        {
            // Redirected traffic to an address no service claims: pass it through unchanged.
            var original = connection.OriginalDestination!;
            var prefix = _originalPrefixes.GetOrAdd(original, static ep => $"http://{ep}");
            return ForwardAsync(context, _outboundClient, prefix, null, direction, request.Host.Value ?? original.ToString(), tls, start, hopByHop);
        }

        var target = state.Target!;
        var rule = state.Rule;
        var backendIndex = state.BackendIndex;
        if (rule?.Policy is not null)
        {
            return ForwardWithPolicyAsync(context, service, rule, backendIndex, target, _clients.TlsLabelFor(target), start, hopByHop);
        }

        var endpoint = target.Balancer.Pick();
        if (endpoint is null)
        {
            return target.Balancer.HasEndpoints
                ? _responses.RespondAsync(context, direction, service.Authority, tls, start, StatusCodes.Status503ServiceUnavailable, "all_endpoints_ejected",
                    $"service '{target.Authority}': all endpoints are ejected")
                : _responses.RespondAsync(context, direction, service.Authority, tls, start, StatusCodes.Status503ServiceUnavailable, "no_endpoints",
                    $"service '{target.Authority}' has no available endpoints");
        }

        // A meshed endpoint is reached over mTLS, in HTTP/2 between the proxies whatever the app spoke.
        var outbound = _clients.Select(endpoint, request);
        return ForwardAsync(context, outbound.Client, outbound.Prefix, endpoint, direction, service.Authority, outbound.Tls, start, hopByHop, outbound.Mesh ? Http2 : null, target, rule, backendIndex, service);
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

    private RouteSeries RouteSeriesFor(CompiledRouteRule rule, ServiceState parent) => _responses.RouteSeriesFor(rule, parent);

    private RouteBackendSeries BackendSeriesFor(CompiledRouteRule rule, int backendIndex, ServiceState parent) => _responses.BackendSeriesFor(rule, backendIndex, parent);

    private static Task WriteProxyResponseAsync(HttpContext context, int status, int? grpcStatus, string reason) =>
        ProxyResponses.WriteProxyResponseAsync(context, status, grpcStatus, reason);

    private void Record(HttpContext context, Direction direction, string authority, string tls, double latencyMs) =>
        _responses.Record(context, direction, authority, tls, latencyMs);

    private void NoteTapEndpoint(HttpContext context, EndpointState endpoint) => _responses.NoteTapEndpoint(context, endpoint);

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

        [LoggerMessage(4, LogLevel.Warning, "Endpoint {Endpoint} of {Service} ejected after consecutive failures")]
        public static partial void Ejected(ILogger logger, string endpoint, string service);

        [LoggerMessage(5, LogLevel.Debug, "Outbound request to {Authority} retried: {Reason}")]
        public static partial void Retrying(ILogger logger, string authority, string reason);
    }
}
