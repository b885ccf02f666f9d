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
    public RouteOutcome Route(ServiceState service, HttpRequest request, out ServiceState? backend) =>
        Route(service, request, out _, out _, out backend);

    /// <summary>Routes a request for <paramref name="service"/>, and says which rule decided (null when the
    /// service has no routes or none applies) and which of its backends was chosen (its index, for the
    /// rule's per-backend metrics), so that the rule's filters can be applied.</summary>
    public RouteOutcome Route(ServiceState service, HttpRequest request, out CompiledRouteRule? rule, out int backendIndex, out ServiceState? backend)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(request);
        var rules = service.Rules;
        rule = null;
        backendIndex = -1;
        if (rules.Length == 0)
        {
            backend = service;
            return RouteOutcome.Routed;
        }

        var index = service.RouteIndex is { } routeIndex ? routeIndex.FirstApplicable(request) : FirstApplicable(rules, request);
        if (index < 0)
        {
            backend = null;
            return RouteOutcome.NoRuleMatched;
        }

        rule = rules[index];
        if (rule.Redirect is not null)
        {
            backend = null;
            return RouteOutcome.Redirect;
        }

        backendIndex = rule.PickBackendIndex(random);
        backend = backendIndex < 0 ? null : rule.Backend(backendIndex);
        return backend is null ? RouteOutcome.InvalidBackend : RouteOutcome.Routed;
    }

    /// <summary>The plain walk: the index of the first rule that applies, -1 when none does. Used for services
    /// with few rules, and the reference <see cref="RouteIndex"/> must agree with.</summary>
    internal static int FirstApplicable(CompiledRouteRule[] rules, HttpRequest request)
    {
        for (var i = 0; i < rules.Length; i++)
        {
            if (rules[i].Applies(request))
            {
                return i;
            }
        }

        return -1;
    }
}
