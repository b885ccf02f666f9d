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

    /// <summary>Answers with <paramref name="status"/> and the reason in <c>l5d-proxy-error</c>, counted as a
    /// proxy error of <paramref name="reasonCode"/>; a 400 closes the connection.</summary>
    public async Task RespondAsync(HttpContext context, Direction direction, string authority, string tls, long start, int status, string reasonCode, string reason)
    {
        metrics.Request(direction, authority, tls).AddRequest();
        metrics.ProxyError(direction, reasonCode);
        Log.Refused(logger, direction, authority, reason);
        if (status == StatusCodes.Status400BadRequest)
        {
            context.Response.Headers.Connection = "close";
        }

        await WriteProxyResponseAsync(context, status, null, reason);
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

    /// <summary>Inbound authorization refused the request: 403, or PERMISSION_DENIED for gRPC.</summary>
    public async Task DeniedAsync(HttpContext context, string authority, string tls, long start, string reason)
    {
        metrics.Request(Direction.Inbound, authority, tls).AddRequest();
        metrics.ProxyError(Direction.Inbound, "unauthorized");
        await Authorization.AuthorizationResponses.WriteDeniedAsync(context, reason);
        Record(context, Direction.Inbound, authority, tls, time.GetElapsedTime(start).TotalMilliseconds);
    }

    /// <summary>A response the proxy produces itself, with the reason in l5d-proxy-error. For gRPC, a
    /// trailers-only response (HTTP 200, grpc-status in the one HEADERS frame, which ends the stream), as gRPC
    /// servers answer a call they fail before any message.</summary>
    public static Task WriteProxyResponseAsync(HttpContext context, int status, int? grpcStatus, string reason)
    {
        ArgumentNullException.ThrowIfNull(context);
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
