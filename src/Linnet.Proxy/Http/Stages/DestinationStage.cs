using Linnet.Proxy.Connections;
using Linnet.Proxy.Telemetry;
using Microsoft.AspNetCore.Http;

namespace Linnet.Proxy.Http.Stages;

/// <summary>Outbound: the service the request is for — a service port's own service, else the one its authority
/// names. None, with an original destination: passed through unchanged (the forward stage); with none: 502.
/// A service found, its authority travels as <c>l5d-dst-canonical</c> (metrics keep the authority the client
/// asked for, whatever backend a route picks). Inbound requests go to the app and pass untouched.</summary>
internal sealed class DestinationStage(ProxyResponses responses) : IRequestStage
{
    /// <inheritdoc />
    public string Name => "destination";

    /// <inheritdoc />
    public Task InvokeAsync(RequestState request, ProxyRequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(next);
        if (request.Direction == Direction.Inbound)
        {
            return next(request);
        }

        var connection = request.Connection;
        var http = request.Context.Request;
        var service = (connection.Role == ListenerRole.ServicePort ? request.Model.FindByLocalPort(connection.TargetPort) : null)
            ?? (http.Host.HasValue ? request.Model.Find(http.Host.Host, http.Host.Port ?? connection.OriginalDestination?.Port) : null);
        if (service is null)
        {
            return connection.OriginalDestination is not null
                ? next(request)
                : responses.RespondAsync(request, http.Host.Value ?? "", ProxyError.UnknownAuthority, $"no service is known for authority '{http.Host.Value}'");
        }

        DstCanonical.Set(http.Headers, service.Authority);
        request.Service = service;
        request.Target = service;
        return next(request);
    }
}
