namespace Linnet.ControlPlane.Core.Metrics;

/// <summary>What <c>linnet stat</c> lists, as Linkerd's <c>stat</c> resource types.</summary>
public enum StatResource
{
    /// <summary>Workloads (Linkerd's deployments): their inbound traffic.</summary>
    Workloads,

    /// <summary>Services: the traffic their clients sent them (outbound, by <c>dst_service</c>).</summary>
    Services,

    /// <summary>Namespaces: the inbound traffic of all their workloads.</summary>
    Namespaces,

    /// <summary>Authorities: inbound traffic by the authority the clients addressed.</summary>
    Authorities,
}
