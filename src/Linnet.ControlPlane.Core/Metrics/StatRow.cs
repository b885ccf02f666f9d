namespace Linnet.ControlPlane.Core.Metrics;

/// <summary>One row of <c>linnet stat</c>: NAME MESHED SUCCESS RPS LATENCY_P50 P95 P99 TCP_CONN.</summary>
/// <param name="Namespace">The resource's namespace.</param>
/// <param name="Name">The resource.</param>
/// <param name="MeshedPods">Ready instances with a proxy (workloads; 0 for other resources).</param>
/// <param name="Pods">Instances (workloads; 0 for other resources).</param>
/// <param name="Stats">Its traffic over the window.</param>
/// <param name="TcpConnections">Open inbound connections now (workloads and authorities' workloads).</param>
public sealed record StatRow(string Namespace, string Name, int MeshedPods, int Pods, TrafficStats Stats, double TcpConnections);
