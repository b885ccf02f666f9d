namespace Linnet.Proxy.Configuration;

/// <summary>The inbound authorization policy of this proxy's workload instance.</summary>
/// <param name="Default">For ports no server covers.</param>
/// <param name="Servers">No port is in two of them.</param>
internal sealed record InboundPolicyConfig(DefaultInboundPolicy Default, IReadOnlyList<InboundServerConfig> Servers)
{
    /// <summary>The service ports this instance serves that have routes attached (no endpoints, rules with
    /// matches only): inbound requests are counted and tapped under the route rule they match.</summary>
    public IReadOnlyList<ServiceConfig> Services { get; init; } = [];

    /// <summary>Linkerd's default, <c>all-unauthenticated</c>: what a proxy enforces until told otherwise when its
    /// bootstrap config names no other default policy.</summary>
    public static InboundPolicyConfig AllowAll { get; } = new(DefaultInboundPolicy.AllUnauthenticated, []);

    /// <summary>A policy with only a default.</summary>
    public static InboundPolicyConfig Uniform(DefaultInboundPolicy policy) => new(policy, []);
}
