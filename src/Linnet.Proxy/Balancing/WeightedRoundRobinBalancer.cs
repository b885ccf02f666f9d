namespace Linnet.Proxy.Balancing;

/// <summary>Smooth weighted round robin (nginx's algorithm) over the endpoints' weights.</summary>
internal sealed class WeightedRoundRobinBalancer : IBalancer
{
    private readonly EndpointState[] _endpoints;
    private readonly int[] _current;
    private readonly int _totalWeight;
    private readonly Lock _lock = new();

    public WeightedRoundRobinBalancer(IReadOnlyList<EndpointState> endpoints)
    {
        _endpoints = endpoints.Where(e => e.Config.Weight > 0).ToArray();
        _current = new int[_endpoints.Length];
        _totalWeight = _endpoints.Sum(e => e.Config.Weight);
    }

    public EndpointState? Pick()
    {
        switch (_endpoints.Length)
        {
            case 0:
                return null;
            case 1:
                return _endpoints[0];
        }

        lock (_lock)
        {
            var best = 0;
            for (var i = 0; i < _endpoints.Length; i++)
            {
                _current[i] += _endpoints[i].Config.Weight;
                if (_current[i] > _current[best])
                {
                    best = i;
                }
            }

            _current[best] -= _totalWeight;
            return _endpoints[best];
        }
    }
}
