using Linnet.Proxy.Balancing;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Mirroring;
using Linnet.Proxy.Resilience;
using Linnet.Proxy.Routing;
using Linnet.Proxy.Telemetry;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Linnet.Proxy.Http;

/// <summary>The outbound stages for a route rule with filters, in order: request header modifier →
/// deadline (route request timeout, or the gRPC client's own <c>grpc-timeout</c> if sooner) → fault delay
/// → fault abort → keep a small body (for retries and the mirror) → mirror (a copy of the kept body, or
/// one streamed beside the primary's) → attempts (pick an endpoint,
/// per-try timeout, forward, swallow a retriable response and retry within the limit and budget) →
/// response header modifier (in <see cref="ForwardState"/>). Requests of rules without filters never come
/// here.</summary>
internal sealed partial class HttpProxyHandler
{
    private async Task ForwardWithPolicyAsync(HttpContext context, ServiceState parent, CompiledRouteRule rule, int backendIndex, ServiceState backend, string tls, long start, IReadOnlyList<string> hopByHop)
    {
        const Direction direction = Direction.Outbound;
        var authority = parent.Authority;
        var policy = rule.Policy!;
        var series = RouteSeriesFor(rule, parent);
        var request = context.Request;
        var grpc = ProxyResponses.IsGrpc(request);
        policy.RequestHeaders?.Apply(request.Headers);

        var timeout = policy.RequestTimeout;
        if (grpc && GrpcTimeout.TryParse(request.Headers[GrpcTimeout.Header], out var clientTimeout) && (timeout is null || clientTimeout < timeout))
        {
            timeout = clientTimeout;
        }

        using var deadline = timeout is { } t ? new CancellationTokenSource(t, _time) : null;
        var originalBody = request.Body;
        MirroredRequestBody? streamedCopy = null;
        var routeError = RouteMetrics.Errors.None;
        long headersAt = 0;
        try
        {
            if (policy.Fault is { } fault)
            {
                if (fault.Delay is { } delay && Draw(delay.Percent))
                {
                    series.FaultDelay();
                    await DelayAsync(delay.Delay, deadline, context.RequestAborted);
                }

                if (fault.Abort is { } abort && Draw(abort.Percent))
                {
                    series.FaultAbort();
                    routeError = RouteMetrics.Errors.Fault;
                    await ProxyResponses.WriteAsync(context, ProxyError.Fault(abort.HttpStatus, abort.GrpcStatus), "fault injected");
                }
            }

            if (routeError != RouteMetrics.Errors.Fault)
            {
                var retry = policy.Retry is { } r && r.AllowsMethod(request.Method, grpc) ? r : null;
                var mirror = policy.Mirror is { } m && Draw(policy.MirrorPercent) ? m : null;
                byte[]? kept = null;
                if (retry is not null || mirror is not null)
                {
                    kept = await RequestBodyBuffer.TryKeepAsync(request, retry?.Config.MaxBodyBytes ?? RetryConfig.DefaultMaxBodyBytes, deadline?.Token ?? context.RequestAborted);
                }

                if (mirror is not null)
                {
                    if (kept is not null)
                    {
                        series.Mirror(_mirror.TrySend(request, kept, mirror));
                    }
                    else
                    {
                        // Streamed (unknown length: chunked, HTTP/2, gRPC) or too large to keep: the copy
                        // follows the primary's reading of the body.
                        var copy = new MirroredRequestBody(request.Body, RequestMirror.MaxBufferedBody);
                        var sent = _mirror.TrySend(request, copy, mirror);
                        if (sent)
                        {
                            request.Body = copy;
                            streamedCopy = copy;
                        }

                        series.Mirror(sent);
                    }
                }

                RetryState? retries = null;
                if (retry is not null && retry.Limit > 0)
                {
                    if (kept is not null)
                    {
                        retries = new RetryState(retry, backend.RetryBudget, series);
                        backend.RetryBudget.Deposit();
                    }
                    else if (request.ContentLength is null)
                    {
                        // Unknown length (chunked, or an HTTP/2 stream such as a gRPC call): streamed at
                        // once, kept on the way, retried only if it turns out small and complete.
                        var streaming = new ReplayableRequestBody(request.Body, retry.Config.MaxBodyBytes);
                        request.Body = streaming;
                        retries = new RetryState(retry, backend.RetryBudget, series) { StreamingBody = streaming };
                        backend.RetryBudget.Deposit();
                    }
                }

                string? attempted;
                (routeError, headersAt, attempted) = await AttemptsAsync(context, policy, backend, series, BackendSeriesFor(rule, backendIndex, parent), retries, kept, deadline, authority, start, hopByHop);
                tls = attempted ?? tls;
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
            Log.ClientGone(_logger, direction, authority, ex.Message);
            if (!context.Response.HasStarted)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
            }
        }
        finally
        {
            request.Body = originalBody;
            streamedCopy?.EndOfPrimary();
        }

        // Counted once the endpoint is known, so that request and response series carry the same dst_* labels.
        _metrics.Request(direction, authority, tls).AddRequest();
        Record(context, direction, authority, tls, _time.GetElapsedTime(start, headersAt != 0 ? headersAt : _time.GetTimestamp()).TotalMilliseconds);
        series.Status(context.Response.StatusCode, routeError);
    }

    private async Task<(string Error, long HeadersAt, string? Labels)> AttemptsAsync(HttpContext context, RulePolicy policy, ServiceState backend, RouteSeries series, RouteBackendSeries backendSeries,
        RetryState? retries, byte[]? kept, CancellationTokenSource? deadline, string authority, long start, IReadOnlyList<string> hopByHop)
    {
        var config = HttpProtocol.IsHttp2(context.Request.Protocol) ? Http2 : Http1;
        string? labels = null; // the series labels (tls, dst_*) of the endpoint that answered last
        while (true)
        {
            var endpoint = backend.Balancer.Pick();
            if (endpoint is null)
            {
                var (unavailable, message) = Unavailable(backend);
                _metrics.ProxyError(Direction.Outbound, unavailable.Reason);
                backendSeries.Response(unavailable.HttpStatus, RouteMetrics.Errors.Unavailable);
                await ProxyResponses.WriteAsync(context, unavailable, message);
                return (RouteMetrics.Errors.Unavailable, 0, labels);
            }

            var outbound = _clients.Select(endpoint, context.Request);
            labels = outbound.Tls;
            var client = outbound.Client;
            var prefix = outbound.Prefix;
            if (kept is not null)
            {
                RequestBodyBuffer.Rewind(context.Request, kept);
            }
            else if (retries?.StreamingBody is { } streaming && retries.Retries > 0)
            {
                streaming.Rewind();
            }

            using var perTry = policy.BackendRequestTimeout is { } tryTimeout ? new CancellationTokenSource(tryTimeout, _time) : null;
            using var linked = perTry is not null && deadline is not null ? CancellationTokenSource.CreateLinkedTokenSource(perTry.Token, deadline.Token) : null;
            var token = linked?.Token ?? perTry?.Token ?? deadline?.Token ?? CancellationToken.None;
            var state = new ForwardState(start) { Clock = _clock, HopByHop = hopByHop, ResponseHeaders = policy.ResponseHeaders, Retry = retries };
            state.BeginPending(endpoint);
            NoteTapEndpoint(context, endpoint);
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
                var requestConfig = outbound.Mesh ? Http2 : config;
                if (policy.IdleTimeout is { } idle)
                {
                    // YARP's activity timeout restarts on every read or write of either body and on the
                    // response head: exactly "idle, whatever its state".
                    requestConfig = requestConfig with { ActivityTimeout = idle };
                }

                error = await _forwarder.SendAsync(context, prefix, client, requestConfig, state, token);
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
                Log.Retrying(_logger, authority, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{endpoint.Config.Address} answered {status}"));
                ResetForRetry(context);
                continue;
            }

            if (error == ForwarderError.None)
            {
                backendSeries.Response(status, RouteMetrics.Errors.None);
                return (RouteMetrics.Errors.None, state.ResponseHeadersTimestamp, labels);
            }

            if (clientGone)
            {
                backendSeries.Response(status, RouteMetrics.Errors.None);
                Log.ClientGone(_logger, Direction.Outbound, authority, Describe(error, context, prefix));
                return (RouteMetrics.Errors.None, state.ResponseHeadersTimestamp, labels);
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
                return (timeoutError, state.ResponseHeadersTimestamp, labels);
            }

            if (requestTimedOut)
            {
                backendSeries.Response(StatusCodes.Status504GatewayTimeout, timeoutError);
                await ProxyResponses.WriteAsync(context, ProxyError.RequestTimeout, "request timed out");
                return (timeoutError, 0, labels);
            }

            if (idleTimedOut)
            {
                // As Linkerd's route timeouts, not retried.
                backendSeries.Response(StatusCodes.Status504GatewayTimeout, timeoutError);
                await ProxyResponses.WriteAsync(context, ProxyError.IdleTimeout, "stream idle timeout");
                return (timeoutError, 0, labels);
            }

            if (tryTimedOut)
            {
                backendSeries.Response(StatusCodes.Status504GatewayTimeout, timeoutError);
                if (retries is not null && retries.TryRetry(retries.Policy.IsRetriableStatus(StatusCodes.Status504GatewayTimeout)))
                {
                    Log.Retrying(_logger, authority, $"{endpoint.Config.Address} timed out");
                    ResetForRetry(context);
                    continue;
                }

                await ProxyResponses.WriteAsync(context, ProxyError.BackendTimeout, "backend request timed out");
                return (timeoutError, 0, labels);
            }

            var reason = Describe(error, context, prefix);
            backendSeries.Response(status, RouteMetrics.Errors.Unexpected);
            if (error == ForwarderError.Request && retries is not null && retries.TryRetry(retries.Policy.RetriesConnectFailures))
            {
                Log.Retrying(_logger, authority, reason);
                ResetForRetry(context);
                continue;
            }

            Log.ForwardFailed(_logger, Direction.Outbound, authority, prefix, reason);
            await ProxyResponses.WriteAsync(context, ProxyError.ForwardFailed(context.Response.StatusCode), reason);
            return (RouteMetrics.Errors.Unexpected, 0, labels);
        }
    }

    // Nothing of the attempt reached the client: forget its status, headers and error so that the next
    // attempt starts clean (the forwarder refuses to forward once a status other than 200 is set).
    private static void ResetForRetry(HttpContext context)
    {
        context.Response.Clear();
        context.Features.Set<IForwarderErrorFeature>(null);
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

    private async Task DelayAsync(TimeSpan delay, CancellationTokenSource? deadline, CancellationToken aborted)
    {
        if (deadline is null)
        {
            await Task.Delay(delay, _time, aborted);
            return;
        }

        using var either = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, aborted);
        await Task.Delay(delay, _time, either.Token);
    }

    private bool Draw(double percent) => percent >= 100 || (percent > 0 && _random.NextDouble() * 100 < percent);
}
