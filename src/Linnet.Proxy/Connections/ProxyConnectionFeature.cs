using System.Net;
using Linnet.Proxy.Routing;
using Linnet.Proxy.Telemetry;

namespace Linnet.Proxy.Connections;

/// <summary>What the listener learnt about an accepted connection, for the stages after it.</summary>
/// <param name="Role">The listener that accepted it.</param>
/// <param name="OriginalDestination">Where the client was going before iptables redirected it, if it was.</param>
/// <param name="Service">The service a <see cref="ListenerRole.ServicePort"/> listener is dedicated to.</param>
/// <param name="TargetPort">Inbound: the app port the connection is for. Service port: the local port it
/// arrived on, by which HTTP requests find the service anew each time (the config may have changed).</param>
internal sealed record ProxyConnectionFeature(
    ListenerRole Role,
    IPEndPoint? OriginalDestination,
    ServiceState? Service,
    int TargetPort)
{
    /// <summary>Inbound or outbound, for metrics.</summary>
    public Direction Direction => Role == ListenerRole.Inbound ? Direction.Inbound : Direction.Outbound;

    /// <summary>Inbound over mTLS: the identity the client proxy's certificate proved
    /// (<c>spiffe://…</c>). Null: the connection is plaintext.</summary>
    public string? ClientIdentity { get; init; }
}
