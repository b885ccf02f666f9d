using Microsoft.Extensions.Primitives;

namespace Linnet.Proxy.Configuration;

/// <summary>The routing config at one moment. <see cref="ChangeToken"/> fires when a newer one exists.</summary>
internal sealed record ProxyConfigSnapshot(string Version, IReadOnlyList<ServiceConfig> Services, IChangeToken ChangeToken)
{
    /// <summary>The inbound authorization policy. Providers start from the bootstrap config's default inbound policy
    /// (<see cref="BootstrapConfig.DefaultInboundPolicy"/>); a snapshot made without one has Linkerd's default
    /// (all-unauthenticated).</summary>
    public InboundPolicyConfig InboundPolicy { get; init; } = InboundPolicyConfig.AllowAll;
}
