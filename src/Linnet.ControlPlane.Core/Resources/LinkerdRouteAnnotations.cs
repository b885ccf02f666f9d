using System.Globalization;
using Linnet.Api.Policy;

namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Linkerd's retry and timeout annotations on an HTTPRoute or GRPCRoute (Linkerd 2.16+, "Retries" and
/// "Timeouts" reference; policy-controller/k8s/index/src/outbound/index/{http,grpc}.rs): they apply to every rule
/// of the route. A rule's own <c>timeouts</c> or <c>LinnetRetry</c> filter, being more specific, wins field by field.
/// On a Service they apply to every route to it, and to its traffic when no route is attached (Linkerd's "Retries":
/// retry annotations on a route override all of the Service's; a route's timeouts win field by field).</summary>
public static class LinkerdRouteAnnotations
{
    /// <summary>Comma-separated HTTP statuses to retry: <c>504</c>, <c>500-504</c>, <c>gateway-error</c> (502-504), <c>5xx</c>. HTTPRoute only.</summary>
    public const string RetryHttp = "retry.linkerd.io/http";

    /// <summary>Comma-separated gRPC statuses to retry: cancelled, deadline-exceeded, internal, resource-exhausted, unavailable. GRPCRoute only.</summary>
    public const string RetryGrpc = "retry.linkerd.io/grpc";

    /// <summary>Retries per request (default 1; 0 as if unset).</summary>
    public const string RetryLimit = "retry.linkerd.io/limit";

    /// <summary>Each attempt's timeout, after which it is cancelled and retried.</summary>
    public const string RetryTimeout = "retry.linkerd.io/timeout";

    /// <summary>The whole request-response stream.</summary>
    public const string TimeoutRequest = "timeout.linkerd.io/request";

    /// <summary>Each backend response.</summary>
    public const string TimeoutResponse = "timeout.linkerd.io/response";

    /// <summary>How long a stream may be idle, whatever its state (no bytes either way, no response head yet).</summary>
    public const string TimeoutIdle = "timeout.linkerd.io/idle";

    /// <summary>The annotations' retry policy and timeouts (null when none is set). Invalid values are reported
    /// to <paramref name="error"/> (annotation, reason) and left out.</summary>
    public static (RetryPolicy? Retry, RouteTimeouts? Timeouts) Read(IReadOnlyDictionary<string, string> annotations, bool grpc, Action<string, string> error)
    {
        ArgumentNullException.ThrowIfNull(annotations);
        ArgumentNullException.ThrowIfNull(error);
        int? limit = null;
        if (annotations.TryGetValue(RetryLimit, out var limitText))
        {
            if (ushort.TryParse(limitText.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                limit = value == 0 ? null : value;
            }
            else
            {
                error(RetryLimit, $"'{limitText}' is not a whole number 0..65535");
            }
        }

        var retryTimeout = Duration(annotations, RetryTimeout, error);
        var on = new List<string>();
        var statusCodes = new List<int>();
        var grpcCodes = new List<int>();
        var conditions = false;
        if (!grpc && annotations.TryGetValue(RetryHttp, out var http))
        {
            conditions = true;
            foreach (var part in http.Split(','))
            {
                var condition = part.Trim();
                if (condition.Equals("5xx", StringComparison.OrdinalIgnoreCase))
                {
                    on.Add("5xx");
                }
                else if (condition.Equals("gateway-error", StringComparison.OrdinalIgnoreCase))
                {
                    on.Add("gateway-error");
                }
                else if (Status(condition) is { } code)
                {
                    statusCodes.Add(code);
                }
                else if (condition.Split('-') is [var from, var to] && Status(from) is { } low && Status(to) is { } high && low <= high)
                {
                    statusCodes.AddRange(Enumerable.Range(low, high - low + 1));
                }
                else
                {
                    error(RetryHttp, $"'{condition}' is not a retry condition: an HTTP status 100..599, a range such as 500-504, gateway-error or 5xx");
                }
            }
        }

        if (grpc && annotations.TryGetValue(RetryGrpc, out var grpcText))
        {
            conditions = true;
            foreach (var part in grpcText.Split(','))
            {
                if (GrpcStatusCodes.TryParseLinkerdRetryable(part.Trim(), out var code))
                {
                    grpcCodes.Add(code);
                }
                else
                {
                    error(RetryGrpc, $"'{part.Trim()}' is not one of: {string.Join(", ", GrpcStatusCodes.LinkerdRetryable)}");
                }
            }
        }

        var request = Duration(annotations, TimeoutRequest, error);
        var response = Duration(annotations, TimeoutResponse, error);
        var idle = Duration(annotations, TimeoutIdle, error);

        // Each attempt ends at the sooner of the retry timeout and the response timeout.
        var attempt = (retryTimeout, response) switch
        {
            ({ } a, { } b) => a < b ? a : b,
            (var a, var b) => a ?? b,
        };

        // As in Linkerd, any retry annotation turns retries on; without conditions the defaults apply (5xx, or
        // the translator's gRPC codes).
        RetryPolicy? retry = limit is not null || retryTimeout is not null || conditions
            ? new RetryPolicy(limit ?? PolicyDefaults.RetryLimit, on.Distinct().ToList(), statusCodes.Distinct().ToList(), grpcCodes.Distinct().ToList(), RetryNonIdempotent: false, MaxBodyBytes: null)
            : null;
        var timeouts = request is null && attempt is null && idle is null ? null : new RouteTimeouts(request, attempt, idle);
        return (retry, timeouts);
    }

    /// <summary>The route's timeouts with a rule's own fields taking precedence.</summary>
    public static RouteTimeouts? Merge(RouteTimeouts? rule, RouteTimeouts? route) =>
        (rule, route) switch
        {
            (null, var r) => r,
            (var r, null) => r,
            ({ } a, { } b) => new RouteTimeouts(a.Request ?? b.Request, a.BackendRequest ?? b.BackendRequest, a.Idle ?? b.Idle),
        };

    private static int? Status(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var code) && code is >= 100 and < 600 ? code : null;

    private static TimeSpan? Duration(IReadOnlyDictionary<string, string> annotations, string name, Action<string, string> error)
    {
        if (!annotations.TryGetValue(name, out var text))
        {
            return null;
        }

        if (!LinkerdDuration.TryParse(text, out var value))
        {
            error(name, LinkerdDuration.Problem(text));
            return null;
        }

        // 0 means no timeout, as in Linkerd.
        return value > TimeSpan.Zero ? value : null;
    }
}
