using Linnet.Proxy.Routing;
using Linnet.Proxy.Telemetry;
using Microsoft.AspNetCore.Http;

namespace Linnet.Proxy.Http.Stages;

/// <summary>Outbound, for a service with route rules: the first matching rule picks a backend service
/// (<see cref="HttpRouter"/>); no rule matching is 404, a rule without a valid backend 500, a RequestRedirect
/// is answered here and a URLRewrite applied. Services without rules pass untouched. Inbound, the request is
/// classified by the routes of the service its authority names (the inbound policy's services): the rule it
/// matches is only noted, never acted on. Either way the request is counted in Linkerd's <c>route_*</c> series
/// under the rule's route (<see cref="ServiceRouteMetrics"/>) and tap sees the route.</summary>
internal sealed class RouteStage(HttpRouter router, ProxyResponses responses) : IRequestStage
{
    /// <inheritdoc />
    public string Name => "route";

    /// <inheritdoc />
    public Task InvokeAsync(RequestState request, ProxyRequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(next);
        if (request.Direction == Direction.Inbound)
        {
            Classify(request);
            return next(request);
        }

        if (request.Service is not { Rules.Length: > 0 } service)
        {
            return next(request);
        }

        var context = request.Context;
        var outcome = router.Route(service, context.Request, out var rule, out var backendIndex, out var backend);
        Count(context, Direction.Outbound, service, rule);
        switch (outcome)
        {
            case RouteOutcome.NoRuleMatched:
                return responses.RespondAsync(request, service.Authority, ProxyError.NoRoute, "no route matches");
            case RouteOutcome.InvalidBackend:
                return responses.RespondAsync(request, service.Authority, ProxyError.InvalidBackend, $"the route rule for service '{service.Authority}' has no valid backend");
            case RouteOutcome.Redirect:
                return responses.RedirectAsync(context, service, rule!, request.Tls, request.Start);
        }

        rule!.Rewrite?.Apply(context.Request);
        request.Rule = rule;
        request.BackendIndex = backendIndex;
        request.Target = backend!;
        return next(request);
    }

    // Inbound: the service is the one the request's authority names (l5d-dst-canonical from an mTLS client, else
    // :authority/Host), as Linkerd looked a ServiceProfile up; a service this instance serves without routes, or
    // an authority naming none, is not counted per route.
    private void Classify(RequestState request)
    {
        var model = request.Model;
        if (model.InboundByHost.Count == 0)
        {
            return;
        }

        var context = request.Context;
        var authority = request.InboundAuthority;
        var host = new HostString(authority);
        if (host.Host.Length == 0 || model.FindInbound(host.Host, host.Port) is not { } service)
        {
            return;
        }

        var index = service.RouteIndex is { } routeIndex ? routeIndex.FirstApplicable(context.Request) : HttpRouter.FirstApplicable(service.Rules, context.Request);
        Count(context, Direction.Inbound, service, index < 0 ? null : service.Rules[index]);
    }

    private void Count(HttpContext context, Direction direction, ServiceState service, CompiledRouteRule? rule)
    {
        var metrics = responses.Metrics.ServiceRoutes;
        var traffic = rule is null
            ? service.UnmatchedTraffic ??= metrics.For(direction, service.Authority, null)
            : rule.Traffic ??= metrics.For(direction, service.Authority, RouteName(rule.RouteName));
        traffic.Requests.AddRequest();
        context.Features.Set(traffic);
        if (rule is not null)
        {
            responses.NoteTapRoute(context, rule);
        }
    }

    // Route names arrive as "namespace/name"; rt_route is the name, as a ServiceProfile route's was.
    private static string RouteName(string route) => route[(route.IndexOf('/', StringComparison.Ordinal) + 1)..];
}
