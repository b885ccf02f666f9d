namespace Linnet.Proxy.Balancing;

/// <summary>Smooth weighted round robin (nginx's algorithm) over the endpoints' weights; endpoints their
/// circuit breaker ejected sit out the rounds.</summary>
internal sealed class WeightedRoundRobinBalancer : IBalancer
{
    private readonly EndpointState[] _endpoints;
    private readonly int[] _current;
    private readonly Lock _lock = new();

    public WeightedRoundRobinBalancer(IReadOnlyList<EndpointState> endpoints)
    {
        var eligible = new List<EndpointState>(endpoints.Count);
        foreach (var endpoint in endpoints)
        {
            if (endpoint.Config.Weight > 0)
            {
                eligible.Add(endpoint);
            }
        }

        _endpoints = eligible.ToArray();
        _current = new int[_endpoints.Length];
    }

    public bool HasEndpoints => _endpoints.Length > 0;

    public EndpointState? Pick()
    {
        switch (_endpoints.Length)
        {
            case 0:
                return null;
            case 1:
                return _endpoints[0].Breaker.TryAcquire() ? _endpoints[0] : null;
        }

        lock (_lock)
        {
            // A probation claim can fail between the check and the claim: then the round is run again
            // without that endpoint, at most once per endpoint.
            for (var attempt = 0; attempt < _endpoints.Length; attempt++)
            {
                var best = -1;
                var total = 0;
                for (var i = 0; i < _endpoints.Length; i++)
                {
                    if (!_endpoints[i].Breaker.IsAvailable)
                    {
                        continue;
                    }

                    var weight = _endpoints[i].Config.Weight;
                    total += weight;
                    _current[i] += weight;
                    if (best < 0 || _current[i] > _current[best])
                    {
                        best = i;
                    }
                }

                if (best < 0)
                {
                    return null;
                }

                _current[best] -= total;
                if (_endpoints[best].Breaker.TryAcquire())
                {
                    return _endpoints[best];
                }
            }

            return null;
        }
    }
}
