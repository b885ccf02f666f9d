namespace Linnet.Proxy.Balancing;

/// <summary>The balancing strategies a service can use.</summary>
internal static class BalancerNames
{
    /// <summary>Power of two choices over peak-EWMA latency (Linkerd's balancer); the default.</summary>
    public const string PeakEwma = "peak-ewma";

    /// <summary>Smooth weighted round robin.</summary>
    public const string RoundRobin = "round-robin";

    /// <summary>Creates the balancer <paramref name="name"/> names over <paramref name="endpoints"/>;
    /// unknown names get the default.</summary>
    internal static IBalancer Create(string? name, IReadOnlyList<EndpointState> endpoints, Random random) =>
        string.Equals(name, RoundRobin, StringComparison.OrdinalIgnoreCase)
            ? new WeightedRoundRobinBalancer(endpoints)
            : new PeakEwmaBalancer(endpoints, random);
}
