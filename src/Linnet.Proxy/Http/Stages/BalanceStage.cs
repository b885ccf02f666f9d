using Linnet.Proxy.Routing;
using Linnet.Proxy.Telemetry;

namespace Linnet.Proxy.Http.Stages;

/// <summary>Outbound, for a service: the target service's balancer picks an endpoint (skipping those its
/// circuit breakers eject). None: 503 / UNAVAILABLE, <c>no_endpoints</c> or <c>all_endpoints_ejected</c>.
/// Inbound requests (to the app) and requests no service claims (to their original destination) pass.</summary>
internal sealed class BalanceStage(ProxyResponses responses) : IRequestStage
{
    /// <inheritdoc />
    public string Name => "balance";

    /// <inheritdoc />
    public Task InvokeAsync(RequestState request, ProxyRequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(next);
        if (request.Direction == Direction.Inbound || request.Service is null)
        {
            return next(request);
        }

        var target = request.Target!;
        request.Endpoint = target.Balancer.Pick();
        if (request.Endpoint is not null)
        {
            return next(request);
        }

        var (error, message) = Unavailable(target);
        if (request.Policy is null)
        {
            return responses.RespondAsync(request, request.Service.Authority, error, message);
        }

        // With a policy the filters stage records the request; this attempt ends here.
        responses.Metrics.ProxyError(Direction.Outbound, error.Reason);
        request.BackendSeries!.Response(error.HttpStatus, RouteMetrics.Errors.Unavailable);
        request.Attempt = AttemptResult.Done(RouteMetrics.Errors.Unavailable, 0);
        return ProxyResponses.WriteAsync(request.Context, error, message);
    }

    // The balancer picked nothing: the service has no endpoints, or its circuit breakers ejected them all.
    private static (ProxyError Error, string Message) Unavailable(ServiceState target) =>
        target.Balancer.HasEndpoints
            ? (ProxyError.AllEndpointsEjected, $"service '{target.Authority}': all endpoints are ejected")
            : (ProxyError.NoEndpoints, $"service '{target.Authority}' has no available endpoints");
}
