namespace Linnet.Proxy.Balancing;

/// <summary>Power of two choices over peak-EWMA cost (Linkerd's balancer): picks two distinct endpoints
/// at random and takes the one with the lower <see cref="EndpointState.Cost"/>, or the one not measured yet
/// (<see cref="EndpointState.Unmeasured"/>). Weight-0 endpoints are never picked; endpoints their circuit
/// breaker ejected are skipped.</summary>
internal sealed class PeakEwmaBalancer : IBalancer
{
    private readonly EndpointState[] _endpoints;
    private readonly Random _random;

    /// <summary>Balances over <paramref name="endpoints"/>, drawing with <paramref name="random"/>, which must
    /// be thread-safe (the proxy's one random source, so that a seeded proxy makes repeatable choices).</summary>
    public PeakEwmaBalancer(IReadOnlyList<EndpointState> endpoints, Random random)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(random);
        var eligible = new List<EndpointState>(endpoints.Count);
        foreach (var endpoint in endpoints)
        {
            if (endpoint.Config.Weight > 0)
            {
                eligible.Add(endpoint);
            }
        }

        _endpoints = eligible.ToArray();
        _random = random;
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

        var a = _random.Next(_endpoints.Length);
        var b = _random.Next(_endpoints.Length - 1);

        if (b >= a)
        {
            b++;
        }

        var first = _endpoints[a];
        var second = _endpoints[b];
        var firstUp = first.Breaker.IsAvailable;
        var secondUp = second.Breaker.IsAvailable;
        if (firstUp && secondUp)
        {
            var cheaper = Cheaper(first, second);
            if (cheaper.Breaker.TryAcquire())
            {
                return cheaper;
            }
        }
        else if (firstUp && first.Breaker.TryAcquire())
        {
            return first;
        }
        else if (secondUp && second.Breaker.TryAcquire())
        {
            return second;
        }

        // Both choices are ejected (rare unless most are): any endpoint still in balancing will do.
        for (var i = 0; i < _endpoints.Length; i++)
        {
            var endpoint = _endpoints[(a + i) % _endpoints.Length];
            if (endpoint.Breaker.IsAvailable && endpoint.Breaker.TryAcquire())
            {
                return endpoint;
            }
        }

        return null;
    }

    // An endpoint never measured and idle goes first (it is measured once); otherwise the lower cost.
    private static EndpointState Cheaper(EndpointState first, EndpointState second) =>
        (first.Unmeasured, second.Unmeasured) switch
        {
            (true, false) => first,
            (false, true) => second,
            _ => second.Cost < first.Cost ? second : first,
        };
}
