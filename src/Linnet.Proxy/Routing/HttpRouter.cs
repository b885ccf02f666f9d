using Microsoft.AspNetCore.Http;

namespace Linnet.Proxy.Routing;

/// <summary>Evaluates a service's compiled HTTP routes for one request: the first rule that applies picks
/// a backend service by weight. No allocation per request.</summary>
/// <param name="random">The source of weighted choices; shared by every request of this proxy, so it
/// must be safe for concurrent use (the proxy passes <see cref="Random.Shared"/>).</param>
internal sealed class HttpRouter(Random random)
{
    /// <summary>Routes a request for <paramref name="service"/>. When <paramref name="service"/> has no
    /// routes the request stays with it.</summary>
    public RouteOutcome Route(ServiceState service, HttpRequest request, out ServiceState? backend)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(request);
        var rules = service.Rules;
        if (rules.Length == 0)
        {
            backend = service;
            return RouteOutcome.Routed;
        }

        foreach (var rule in rules)
        {
            if (rule.Applies(request))
            {
                backend = rule.PickBackend(random);
                return backend is null ? RouteOutcome.InvalidBackend : RouteOutcome.Routed;
            }
        }

        backend = null;
        return RouteOutcome.NoRuleMatched;
    }
}
