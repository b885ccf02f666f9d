using Linnet.Proxy.Http;
using Microsoft.AspNetCore.Http;

namespace Linnet.Proxy.Authorization;

/// <summary>The answer to a refused request, as Linkerd gives it: gRPC gets a trailers-only
/// <c>PERMISSION_DENIED</c> (status 7), anything else a 403; both name the reason in <c>l5d-proxy-error</c>.</summary>
public static class AuthorizationResponses
{
    /// <summary>gRPC's PERMISSION_DENIED.</summary>
    public const string GrpcPermissionDenied = "7";

    /// <summary>Writes the refusal; the connection stays open for the client's next request.</summary>
    public static Task WriteDeniedAsync(HttpContext context, string reason)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.Response;
        response.Headers[ProxyErrors.Header] = reason;
        if (context.Request.ContentType is { } type && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase))
        {
            // Headers with END_STREAM and no body: a trailers-only response, which gRPC clients read the status from.
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/grpc";
            response.Headers["grpc-status"] = GrpcPermissionDenied;
            response.Headers["grpc-message"] = Uri.EscapeDataString(reason);
            return Task.CompletedTask;
        }

        response.StatusCode = StatusCodes.Status403Forbidden;
        response.ContentType = "text/plain; charset=utf-8";
        return response.WriteAsync(reason + "\n");
    }
}
