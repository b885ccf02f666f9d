using Linnet.Proxy.Filters;
using Linnet.Proxy.Resilience;
using Linnet.Proxy.Telemetry;
using Microsoft.AspNetCore.Http;

namespace Linnet.Proxy.Routing;

/// <summary>One route rule, compiled when a snapshot is: its matches and its backends resolved to the
/// services of the same snapshot, with cumulative weights for a weighted random pick.</summary>
internal sealed class CompiledRouteRule
{
    private readonly RouteMatcher[] _matches;
    private readonly ServiceState?[] _backends;
    private readonly int[] _cumulativeWeights;
    private readonly int _totalWeight;

    /// <summary>Compiles a rule. A backend that names no known service is null; a rule with one such backend
    /// still picks among the others, and answers "invalid" when the pick lands on it.</summary>
    public CompiledRouteRule(string routeName, RouteMatcher[] matches, ServiceState?[] backends, int[] weights, RulePolicy? policy = null)
    {
        ArgumentNullException.ThrowIfNull(backends);
        ArgumentNullException.ThrowIfNull(weights);
        RouteName = routeName;
        _matches = matches;
        _backends = backends;
        _cumulativeWeights = new int[weights.Length];
        var total = 0L;
        for (var i = 0; i < weights.Length; i++)
        {
            total += Math.Max(0, weights[i]);
            _cumulativeWeights[i] = (int)Math.Min(total, int.MaxValue);
        }

        _totalWeight = (int)Math.Min(total, int.MaxValue);
        Policy = policy;
        BackendSeries = new RouteBackendSeries?[backends.Length];
    }

    /// <summary>The rule's filters (timeouts, retries, faults, mirror, header modifiers); null when it has
    /// none, and then its requests cost what an unrouted request costs.</summary>
    public RulePolicy? Policy { get; }

    /// <summary>Per backend (by index), the rule's policy with that backend's own filters (Gateway API per-backendRef
    /// filters); null when no backend has filters of its own.</summary>
    public RulePolicy?[]? BackendPolicies { get; init; }

    /// <summary>The filters of a request sent to the backend at <paramref name="backendIndex"/>: the rule's, plus that
    /// backend's own.</summary>
    public RulePolicy? PolicyFor(int backendIndex) =>
        BackendPolicies is { } policies && backendIndex >= 0 && backendIndex < policies.Length ? policies[backendIndex] : Policy;

    /// <summary>This rule's metric series, looked up once on first use (the route's labels never change).</summary>
    internal RouteSeries? Series { get; set; }

    /// <summary>This rule's <c>route_*</c> series (Linkerd's route dashboard), looked up once on first use.</summary>
    internal RouteTraffic? Traffic { get; set; }

    /// <summary>Per backend (by index) metric series, looked up once on first use.</summary>
    internal RouteBackendSeries?[] BackendSeries { get; }

    /// <summary>The kind of the route (<c>HTTPRoute</c> or <c>GRPCRoute</c>), for the route_kind label.</summary>
    public string RouteKind { get; init; } = Configuration.RouteConfig.HttpKind;

    /// <summary>The route's <c>hostnames</c>; null: any host. Checked before the matches.</summary>
    public HostnameMatcher? Hosts { get; init; }

    /// <summary>The rule's <c>URLRewrite</c>, applied to the request before it is forwarded; null: none.</summary>
    public UrlRewriteFilter? Rewrite { get; init; }

    /// <summary>The rule's <c>RequestRedirect</c>: requests are answered with a redirect, never forwarded.</summary>
    public RequestRedirectFilter? Redirect { get; init; }

    /// <summary>The route the rule belongs to, for errors.</summary>
    public string RouteName { get; }

    /// <summary>The rule's matches (any one holding makes it apply), for <see cref="RouteIndex"/>.</summary>
    public ReadOnlySpan<RouteMatcher> Matches => _matches;

    /// <summary>Whether any match holds (a rule with no matches always applies).</summary>
    public bool Applies(HttpRequest request)
    {
        if (Hosts is not null && !Hosts.Matches(request.Host.Host))
        {
            return false;
        }

        if (_matches.Length == 0)
        {
            return true;
        }

        foreach (var match in _matches)
        {
            if (match.Matches(request))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A backend chosen by weight (weight 0 is never chosen); null when the rule has no backend
    /// with weight, or the one chosen names no known service.</summary>
    public ServiceState? PickBackend(Random random)
    {
        var index = PickBackendIndex(random);
        return index < 0 ? null : _backends[index];
    }

    /// <summary>The backend at <paramref name="index"/> (from <see cref="PickBackendIndex"/>); null when it
    /// names no known service.</summary>
    public ServiceState? Backend(int index) => _backends[index];

    /// <summary>The index of a backend chosen by weight; -1 when no backend has weight.</summary>
    public int PickBackendIndex(Random random)
    {
        if (_totalWeight == 0)
        {
            return -1;
        }

        if (_backends.Length == 1)
        {
            return 0;
        }

        var roll = random.Next(_totalWeight);
        for (var i = 0; i < _cumulativeWeights.Length; i++)
        {
            if (roll < _cumulativeWeights[i])
            {
                return i;
            }
        }

        return -1;
    }
}
