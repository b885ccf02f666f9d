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
    public CompiledRouteRule(string routeName, RouteMatcher[] matches, ServiceState?[] backends, int[] weights)
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
    }

    /// <summary>The route the rule belongs to, for errors.</summary>
    public string RouteName { get; }

    /// <summary>Whether any match holds (a rule with no matches always applies).</summary>
    public bool Applies(HttpRequest request)
    {
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
        if (_totalWeight == 0)
        {
            return null;
        }

        if (_backends.Length == 1)
        {
            return _backends[0];
        }

        var roll = random.Next(_totalWeight);
        for (var i = 0; i < _cumulativeWeights.Length; i++)
        {
            if (roll < _cumulativeWeights[i])
            {
                return _backends[i];
            }
        }

        return null;
    }
}
