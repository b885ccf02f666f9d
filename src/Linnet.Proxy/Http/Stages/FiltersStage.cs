using Linnet.Proxy.Resilience;
using Linnet.Proxy.Telemetry;
using Linnet.Proxy.Upstream;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Linnet.Proxy.Http.Stages;

/// <summary>Outbound, for a route rule with filters: the request header modifier, the deadline (the route's
/// request timeout, or the gRPC client's own <c>grpc-timeout</c> if sooner, covering every stage after it),
/// fault delay and fault abort; then, whatever the stages after it did, the request's record (request and
/// response series with the labels of the endpoint that answered last, the route's status). A deadline that
/// expires before any attempt was answered is 504 / DEADLINE_EXCEEDED. Rules without filters pass untouched
/// (the forward stage records them).</summary>
internal sealed partial class FiltersStage(ProxyResponses responses, OutboundClientSelector clients, TimeProvider time, Random random, ILogger<FiltersStage> logger) : IRequestStage
{
    /// <inheritdoc />
    public string Name => "filters";

    /// <inheritdoc />
    public Task InvokeAsync(RequestState request, ProxyRequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(next);
        return request.Policy is null ? next(request) : FilterAsync(request, next);
    }

    private async Task FilterAsync(RequestState request, ProxyRequestDelegate next)
    {
        const Direction direction = Direction.Outbound;
        var context = request.Context;
        var http = context.Request;
        var parent = request.Service!;
        var rule = request.Rule!;
        var policy = request.Policy!;
        var authority = parent.Authority;
        var series = responses.RouteSeriesFor(rule, parent);
        request.Series = series;
        request.BackendSeries = responses.BackendSeriesFor(rule, request.BackendIndex, parent);
        request.Grpc = ProxyResponses.IsGrpc(http);
        var tls = clients.TlsLabelFor(request.Target!);
        policy.RequestHeaders?.Apply(http.Headers);

        var timeout = policy.RequestTimeout;
        if (request.Grpc && GrpcTimeout.TryParse(http.Headers[GrpcTimeout.Header], out var clientTimeout) && (timeout is null || clientTimeout < timeout))
        {
            timeout = clientTimeout;
        }

        using var deadline = timeout is { } t ? new CancellationTokenSource(t, time) : null;
        request.Deadline = deadline;
        var routeError = RouteMetrics.Errors.None;
        long headersAt = 0;
        try
        {
            if (policy.Fault is { } fault)
            {
                if (fault.Delay is { } delay && Percent.Draw(random, delay.Percent))
                {
                    series.FaultDelay();
                    await DelayAsync(delay.Delay, deadline, context.RequestAborted);
                }

                if (fault.Abort is { } abort && Percent.Draw(random, abort.Percent))
                {
                    series.FaultAbort();
                    routeError = RouteMetrics.Errors.Fault;
                    await ProxyResponses.WriteAsync(context, ProxyError.Fault(abort.HttpStatus, abort.GrpcStatus), "fault injected");
                }
            }

            if (routeError != RouteMetrics.Errors.Fault)
            {
                await next(request);
                (routeError, headersAt) = (request.Attempt.RouteError, request.Attempt.HeadersAt);
                tls = request.AttemptLabels ?? tls;
            }
        }
        catch (OperationCanceledException) when (deadline?.IsCancellationRequested == true && !context.RequestAborted.IsCancellationRequested)
        {
            // Expired before any attempt was answered: during an injected delay, or reading the body.
            series.RequestTimeout();
            routeError = RouteMetrics.Errors.RequestTimeout;
            await ProxyResponses.WriteAsync(context, ProxyError.RequestTimeout, "request timed out");
        }
        catch (Exception ex) when (context.RequestAborted.IsCancellationRequested || ex is IOException or BadHttpRequestException)
        {
            Log.ClientGone(logger, direction, authority, ex.Message);
            if (!context.Response.HasStarted)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
            }
        }

        // Counted once the endpoint is known, so that request and response series carry the same dst_* labels.
        responses.Metrics.Request(direction, authority, tls).AddRequest();
        responses.Record(context, direction, authority, tls, time.GetElapsedTime(request.Start, headersAt != 0 ? headersAt : time.GetTimestamp()).TotalMilliseconds);
        series.Status(context.Response.StatusCode, routeError);
    }

    private async Task DelayAsync(TimeSpan delay, CancellationTokenSource? deadline, CancellationToken aborted)
    {
        if (deadline is null)
        {
            await Task.Delay(delay, time, aborted);
            return;
        }

        using var either = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, aborted);
        await Task.Delay(delay, time, either.Token);
    }

    private static partial class Log
    {
        [LoggerMessage(3, LogLevel.Debug, "{Direction} request to {Authority} ended by the client: {Reason}")]
        public static partial void ClientGone(ILogger logger, Direction direction, string authority, string reason);
    }
}
