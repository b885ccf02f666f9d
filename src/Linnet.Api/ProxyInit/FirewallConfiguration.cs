using System.Net;

namespace Linnet.Api.ProxyInit;

/// <summary>What proxy-init installs in a pod's network namespace (Linkerd proxy-init's <c>FirewallConfiguration</c>):
/// TCP arriving for the pod goes to <see cref="InboundProxyPort"/>, TCP the pod opens goes to
/// <see cref="OutboundProxyPort"/>, except what is ignored.</summary>
public sealed record FirewallConfiguration
{
    /// <summary>The proxy's inbound port (Linkerd's 4143).</summary>
    public required int InboundProxyPort { get; init; }

    /// <summary>The proxy's outbound port (Linkerd's 4140).</summary>
    public required int OutboundProxyPort { get; init; }

    /// <summary>The proxy's uid: connections it opens are never redirected (they would loop into it). Null or
    /// 0: none is exempt (Linkerd skips the rule for uids that are not positive).</summary>
    public int? ProxyUid { get; init; }

    /// <summary>Inbound destination ports left to the app (the proxy's admin port, Linkerd's 4190 …).</summary>
    public IReadOnlyList<PortRange> InboundPortsToIgnore { get; init; } = [];

    /// <summary>Outbound destination ports the app reaches directly.</summary>
    public IReadOnlyList<PortRange> OutboundPortsToIgnore { get; init; } = [];

    /// <summary>Source subnets whose inbound connections are not redirected (Linkerd's <c>--subnets-to-ignore</c>).</summary>
    public IReadOnlyList<IPNetwork> SubnetsToIgnore { get; init; } = [];

    /// <summary>Only these inbound ports are redirected (Linkerd's redirect-listed mode); empty: every port.</summary>
    public IReadOnlyList<int> PortsToRedirect { get; init; } = [];
}
