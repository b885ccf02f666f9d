using Linnet.Proxy.Routing;
using Microsoft.AspNetCore.Http;

namespace Linnet.Proxy.Http.Stages;

/// <summary>Outbound, for a service with route rules: the first matching rule picks a backend service
/// (<see cref="HttpRouter"/>); no rule matching is 404, a rule without a valid backend 500, a RequestRedirect
/// is answered here and a URLRewrite applied. Services without rules pass untouched.</summary>
internal sealed class RouteStage(HttpRouter router, ProxyResponses responses) : IRequestStage
{
    /// <inheritdoc />
    public string Name => "route";

    /// <inheritdoc />
    public Task InvokeAsync(RequestState request, ProxyRequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(next);
        if (request.Service is not { Rules.Length: > 0 } service)
        {
            return next(request);
        }

        var context = request.Context;
        var outcome = router.Route(service, context.Request, out var rule, out var backendIndex, out var backend);
        if (rule is not null)
        {
            responses.NoteTapRoute(context, rule);
        }

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
}
