using System.Globalization;
using Linnet.Proxy.Balancing;
using Linnet.Proxy.Routing;
using Linnet.Proxy.Tap;
using Linnet.Proxy.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Linnet.Proxy.Http;

/// <summary>The responses the proxy gives itself (refusals, redirects, faults) and the recording every request
/// ends with, shared by the HTTP request stages so that each maps its outcome to a response in one way.</summary>
internal sealed partial class ProxyResponses(ProxyMetrics metrics, TimeProvider time, TapHub tap, ILogger<ProxyResponses> logger)
{
    /// <summary>The proxy's metrics.</summary>
    public ProxyMetrics Metrics => metrics;

    /// <summary>Answers <paramref name="request"/> with <paramref name="error"/> (<see cref="WriteAsync"/>),
    /// counted as a request, a proxy error of its reason and a response to <paramref name="authority"/>.</summary>
    public Task RespondAsync(Stages.RequestState request, string authority, ProxyError error, string message)
    {
        ArgumentNullException.ThrowIfNull(request);
        return RespondAsync(request.Context, request.Direction, authority, request.Tls, request.Start, error, message);
    }

    /// <summary>Answers with <paramref name="error"/> (<see cref="WriteAsync"/>), counted as a request, a proxy
    /// error of its reason and a response to <paramref name="authority"/>.</summary>
    public async Task RespondAsync(HttpContext context, Direction direction, string authority, string tls, long start, ProxyError error, string message)
    {
        ArgumentNullException.ThrowIfNull(error);
        metrics.Request(direction, authority, tls).AddRequest();
        metrics.ProxyError(direction, error.Reason);
        Log.Refused(logger, direction, authority, message);
        await WriteAsync(context, error, message);
        Record(context, direction, authority, tls, time.GetElapsedTime(start).TotalMilliseconds);
    }

    /// <summary>Gateway API RequestRedirect: the proxy's own answer, counted like a forwarded response.</summary>
    public async Task RedirectAsync(HttpContext context, ServiceState service, CompiledRouteRule rule, string tls, long start)
    {
        metrics.Request(Direction.Outbound, service.Authority, tls).AddRequest();
        rule.Redirect!.Respond(context, service.Config.Port);
        RouteSeriesFor(rule, service).Status(context.Response.StatusCode, RouteMetrics.Errors.None);
        await context.Response.CompleteAsync();
        Record(context, Direction.Outbound, service.Authority, tls, time.GetElapsedTime(start).TotalMilliseconds);
    }

    /// <summary>The one place a <see cref="ProxyError"/> becomes a response: <paramref name="message"/> in
    /// <c>l5d-proxy-error</c>; a gRPC request (<c>application/grpc</c>) with a gRPC status gets a trailers-only
    /// response (HTTP 200, <c>grpc-status</c> and the percent-encoded <c>grpc-message</c> in the one HEADERS
    /// frame, which ends the stream), as gRPC servers answer a call they fail before any message; anything else
    /// the HTTP status with the message as text, and <c>Connection: close</c> when the error closes it.</summary>
    public static Task WriteAsync(HttpContext context, ProxyError error, string message)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(message);
        var response = context.Response;
        response.Headers[ProxyErrors.Header] = message;
        if (error.GrpcStatus is { } code && IsGrpc(context.Request))
        {
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/grpc";
            response.Headers["grpc-status"] = code.ToString(CultureInfo.InvariantCulture);
            response.Headers["grpc-message"] = Uri.EscapeDataString(message);
            return Task.CompletedTask;
        }

        if (error.CloseConnection)
        {
            response.Headers.Connection = "close";
        }

        response.StatusCode = error.HttpStatus;
        response.ContentType = "text/plain; charset=utf-8";
        return response.WriteAsync(message + "\n");
    }

    /// <summary>Whether <paramref name="request"/> is a gRPC call (<c>content-type: application/grpc…</c>).</summary>
    public static bool IsGrpc(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.ContentType is { } type && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Counts the response (status, gRPC status, latency) and completes a tap capture.</summary>
    public void Record(HttpContext context, Direction direction, string authority, string tls, double latencyMs)
    {
        var status = context.Response.StatusCode;
        var grpc = GrpcStatus(context);
        var success = status < 500 && (grpc.Length == 0 || grpc == "0");
        metrics.Response(direction, authority, tls, status, success, grpc).Add(latencyMs);
        context.Features.Get<RouteTraffic>()?.Response(status, success, grpc).Add(latencyMs);
        if (tap.IsActive && context.Features.Get<TapCapture>() is { } capture)
        {
            tap.Complete(capture, context, direction, tls, latencyMs);
        }
    }

    /// <summary>The route's series, created on first use.</summary>
    public RouteSeries RouteSeriesFor(CompiledRouteRule rule, ServiceState parent) =>
        rule.Series ??= metrics.Routes.Route(parent.Config.Key, rule.RouteName, rule.RouteKind);

    /// <summary>The series of the route's backend <paramref name="backendIndex"/>, created on first use.</summary>
    public RouteBackendSeries BackendSeriesFor(CompiledRouteRule rule, int backendIndex, ServiceState parent) =>
        rule.BackendSeries[backendIndex] ??= metrics.Routes.Backend(parent.Config.Key, rule.RouteName, rule.Backend(backendIndex)!.Config.Key, rule.RouteKind);

    /// <summary>Notes the chosen route rule on a tap capture.</summary>
    public void NoteTapRoute(HttpContext context, CompiledRouteRule rule)
    {
        if (tap.IsActive && context.Features.Get<TapCapture>() is { } capture)
        {
            capture.Route = rule.RouteName;
            capture.RouteKind = rule.RouteKind;
        }
    }

    /// <summary>Notes the chosen endpoint on a tap capture.</summary>
    public void NoteTapEndpoint(HttpContext context, EndpointState endpoint)
    {
        if (tap.IsActive && context.Features.Get<TapCapture>() is { } capture)
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

    private static partial class Log
    {
        [LoggerMessage(2, LogLevel.Information, "{Direction} request to {Authority} answered by the proxy: {Reason}")]
        public static partial void Refused(ILogger logger, Direction direction, string authority, string reason);
    }
}
