using Linnet.Proxy.Resilience;
using Linnet.Proxy.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Linnet.Proxy.Http.Stages;

/// <summary>Outbound, for a route rule with filters: the attempts. Each attempt gets the per-try timeout (with
/// the request's deadline) and a rewound body, and runs the stages after this one (balance, forward); a
/// retriable response swallowed before it reached the client, a per-try timeout (when 504 is retriable) or a
/// failed connection (when connect failures are) is retried within the rule's limit and the backend's
/// <see cref="RetryBudget"/>. The last per-try timeout is 504 / DEADLINE_EXCEEDED, the last failure the failed
/// forward's answer. Rules without filters pass untouched (one attempt).</summary>
internal sealed partial class RetryStage(TimeProvider time, ILogger<RetryStage> logger) : IRequestStage
{
    /// <inheritdoc />
    public string Name => "retry";

    /// <inheritdoc />
    public Task InvokeAsync(RequestState request, ProxyRequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(next);
        return request.Policy is null ? next(request) : AttemptsAsync(request, next);
    }

    private async Task AttemptsAsync(RequestState request, ProxyRequestDelegate next)
    {
        var context = request.Context;
        var http = context.Request;
        var policy = request.Policy!;
        var backend = request.Target!;
        var authority = request.Service!.Authority;
        var original = http.Body;
        if (policy.RetryFor(http.Method, request.Grpc) is { Limit: > 0 } retry)
        {
            if (request.KeptBody is not null)
            {
                request.Retries = new RetryState(retry, backend.RetryBudget, request.Series!);
                backend.RetryBudget.Deposit();
            }
            else if (http.ContentLength is null)
            {
                // Unknown length (chunked, or an HTTP/2 stream such as a gRPC call): streamed at once, kept on
                // the way, retried only if it turns out small and complete.
                var streaming = new ReplayableRequestBody(http.Body, retry.Config.MaxBodyBytes);
                http.Body = streaming;
                request.Retries = new RetryState(retry, backend.RetryBudget, request.Series!) { StreamingBody = streaming };
                backend.RetryBudget.Deposit();
            }
        }

        try
        {
            while (true)
            {
                var retries = request.Retries;
                if (request.KeptBody is { } kept)
                {
                    RequestBodyBuffer.Rewind(http, kept);
                }
                else if (retries?.StreamingBody is { } streaming && retries.Retries > 0)
                {
                    streaming.Rewind();
                }

                using var perTry = policy.BackendRequestTimeout is { } tryTimeout ? new CancellationTokenSource(tryTimeout, time) : null;
                using var linked = perTry is not null && request.Deadline is not null ? CancellationTokenSource.CreateLinkedTokenSource(perTry.Token, request.Deadline.Token) : null;
                request.PerTry = perTry;
                request.AttemptToken = linked?.Token ?? perTry?.Token ?? request.Deadline?.Token ?? CancellationToken.None;
                await next(request);

                var attempt = request.Attempt;
                switch (attempt.Kind)
                {
                    case AttemptKind.Suppressed:
                        Log.Retrying(logger, authority, attempt.Reason);
                        ResetForRetry(context);
                        continue;
                    case AttemptKind.TryTimedOut:
                        if (retries is not null && retries.TryRetry(retries.Policy.IsRetriableStatus(StatusCodes.Status504GatewayTimeout)))
                        {
                            Log.Retrying(logger, authority, attempt.Reason);
                            ResetForRetry(context);
                            continue;
                        }

                        await ProxyResponses.WriteAsync(context, ProxyError.BackendTimeout, "backend request timed out");
                        request.Attempt = AttemptResult.Done(attempt.RouteError, 0);
                        return;
                    case AttemptKind.Failed:
                        if (attempt.ConnectFailed && retries is not null && retries.TryRetry(retries.Policy.RetriesConnectFailures))
                        {
                            Log.Retrying(logger, authority, attempt.Reason);
                            ResetForRetry(context);
                            continue;
                        }

                        Log.ForwardFailed(logger, Direction.Outbound, authority, attempt.Destination, attempt.Reason);
                        await ProxyResponses.WriteAsync(context, ProxyError.ForwardFailed(context.Response.StatusCode), attempt.Reason);
                        request.Attempt = AttemptResult.Done(attempt.RouteError, 0);
                        return;
                    default:
                        return;
                }
            }
        }
        finally
        {
            http.Body = original;
            request.PerTry = null;
        }
    }

    // Nothing of the attempt reached the client: forget its status, headers and error so that the next
    // attempt starts clean (the forwarder refuses to forward once a status other than 200 is set).
    private static void ResetForRetry(HttpContext context)
    {
        context.Response.Clear();
        context.Features.Set<IForwarderErrorFeature>(null);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "{Direction} request to {Authority} via {Destination} failed: {Reason}")]
        public static partial void ForwardFailed(ILogger logger, Direction direction, string authority, string destination, string reason);

        [LoggerMessage(5, LogLevel.Debug, "Outbound request to {Authority} retried: {Reason}")]
        public static partial void Retrying(ILogger logger, string authority, string reason);
    }
}
