using GrpcCodes = Linnet.Api.Policy.GrpcStatusCodes;

namespace Linnet.Proxy.Http;

/// <summary>A response the proxy gives itself, typed: the one table of what each of the proxy's own outcomes
/// answers (as linkerd2-proxy's <c>errors::respond</c> <c>SyntheticHttpResponse</c>): the HTTP status, the
/// <c>grpc-status</c> of the trailers-only answer a gRPC request gets instead, whether an HTTP/1.1 connection is
/// closed after it, and the <c>reason</c> label of <c>proxy_error_total</c>. <see cref="ProxyResponses.WriteAsync"/>
/// is the one writer.</summary>
/// <param name="Reason">The <c>reason</c> label of <c>proxy_error_total</c>.</param>
/// <param name="HttpStatus">The HTTP status.</param>
/// <param name="GrpcStatus">The <c>grpc-status</c> for a gRPC request (HTTP 200, trailers-only); null: a gRPC
/// request gets <see cref="HttpStatus"/> too.</param>
/// <param name="CloseConnection">Whether an HTTP/1.1 connection is closed after the answer.</param>
internal sealed record ProxyError(string Reason, int HttpStatus, int? GrpcStatus, bool CloseConnection = false)
{
    /// <summary>A request head the proxy refuses to forward (smuggling framing, a target that is not visible
    /// ASCII): 400, and the connection is closed (what follows on it cannot be trusted to be a request).</summary>
    public static readonly ProxyError BadRequest = new("bad_request", 400, GrpcCodes.FailedPrecondition, CloseConnection: true);

    /// <summary>Inbound authorization refused the request: 403 / PERMISSION_DENIED.</summary>
    public static readonly ProxyError Unauthorized = new("unauthorized", 403, GrpcCodes.PermissionDenied);

    /// <summary>No service is known for the authority and there is no original destination: 502 / UNAVAILABLE.</summary>
    public static readonly ProxyError UnknownAuthority = new("unknown_authority", 502, GrpcCodes.Unavailable);

    /// <summary>The service has route rules and none matches: 404 / NOT_FOUND (Gateway API).</summary>
    public static readonly ProxyError NoRoute = new("no_route", 404, GrpcCodes.NotFound);

    /// <summary>The matching rule has no valid backend: 500 / INTERNAL (Gateway API).</summary>
    public static readonly ProxyError InvalidBackend = new("invalid_backend", 500, GrpcCodes.Internal);

    /// <summary>The service has no endpoints: 503 / UNAVAILABLE.</summary>
    public static readonly ProxyError NoEndpoints = new("no_endpoints", 503, GrpcCodes.Unavailable);

    /// <summary>Every endpoint of the service is ejected by its circuit breaker: 503 / UNAVAILABLE.</summary>
    public static readonly ProxyError AllEndpointsEjected = new("all_endpoints_ejected", 503, GrpcCodes.Unavailable);

    /// <summary>The route's request timeout (or the client's <c>grpc-timeout</c>) expired: 504 / DEADLINE_EXCEEDED.</summary>
    public static readonly ProxyError RequestTimeout = new("request_timeout", 504, GrpcCodes.DeadlineExceeded);

    /// <summary>The route's per-try timeout expired on the last attempt: 504 / DEADLINE_EXCEEDED.</summary>
    public static readonly ProxyError BackendTimeout = new("backend_timeout", 504, GrpcCodes.DeadlineExceeded);

    /// <summary>The route's stream idle timeout expired: 504 / DEADLINE_EXCEEDED.</summary>
    public static readonly ProxyError IdleTimeout = new("idle_timeout", 504, GrpcCodes.DeadlineExceeded);

    /// <summary>Forwarding failed before the response began (connect refused or reset, the upstream's head
    /// unreadable, its timeout): the HTTP status the forwarder chose (502, or 504 for a timeout) / UNAVAILABLE,
    /// or DEADLINE_EXCEEDED for a 504.</summary>
    public static ProxyError ForwardFailed(int httpStatus) =>
        httpStatus == 504 ? ForwardTimedOut : httpStatus == 502 ? BadGateway : new("forward_failed", httpStatus, GrpcCodes.Unavailable);

    private static readonly ProxyError BadGateway = new("forward_failed", 502, GrpcCodes.Unavailable);

    private static readonly ProxyError ForwardTimedOut = new("forward_failed", 504, GrpcCodes.DeadlineExceeded);

    /// <summary>A route's fault injection aborted the request with the status it configures.</summary>
    public static ProxyError Fault(int httpStatus, int? grpcStatus) => new("fault", httpStatus, grpcStatus);
}
