using Linnet.Proxy.Authorization;
using Linnet.Proxy.Telemetry;

namespace Linnet.Proxy.Http.Stages;

/// <summary>The one place an inbound HTTP request is authorized: against the inbound policy of the request's
/// model, with the identity its connection proved. Refused: 403, or PERMISSION_DENIED for gRPC.</summary>
internal sealed class InboundAuthorizationStage(InboundAuthorizer authorizer, ProxyResponses responses) : IRequestStage
{
    /// <inheritdoc />
    public string Name => "inbound-authorization";

    /// <inheritdoc />
    public Task InvokeAsync(RequestState request, ProxyRequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(next);
        if (request.Direction != Direction.Inbound)
        {
            return next(request);
        }

        var connection = request.Connection;
        if (authorizer.AuthorizeHttp(request.Model.InboundPolicy, request.Context, connection.TargetPort, connection.ClientIdentity) is { } unauthorized)
        {
            return responses.RespondAsync(request, request.InboundAuthority, ProxyError.Unauthorized, unauthorized);
        }

        return next(request);
    }
}
