namespace Linnet.ControlPlane.Core.Metrics;

/// <summary>The mesh's traffic figures over a window, for the CLI (<c>stat</c>, <c>edges</c>, <c>routes</c>),
/// the dashboard and canary analysis. One implementation, <see cref="MeshMetrics"/>, over either series source
/// (the embedded scraper or a real Prometheus).</summary>
public interface IMeshMetrics
{
    /// <summary>Rows of <c>linnet stat</c>.</summary>
    Task<IReadOnlyList<StatRow>> StatAsync(StatQuery query, CancellationToken cancellationToken);

    /// <summary>Edges between workloads over <paramref name="window"/>; only those touching
    /// <paramref name="ns"/> when given.</summary>
    Task<IReadOnlyList<EdgeRow>> EdgesAsync(string? ns, TimeSpan window, CancellationToken cancellationToken);

    /// <summary>Route rules' traffic over <paramref name="window"/>; only clients in <paramref name="ns"/> (and
    /// workload <paramref name="workload"/>) when given.</summary>
    Task<IReadOnlyList<RouteRow>> RoutesAsync(string? ns, string? workload, TimeSpan window, CancellationToken cancellationToken);

    /// <summary>A workload's inbound traffic over <paramref name="window"/> (Flagger's request-success-rate is
    /// <c>SuccessRate × 100</c>, its request-duration <see cref="InboundLatencyQuantileAsync"/> at 0.99).</summary>
    Task<TrafficStats> InboundAsync(WorkloadRef workload, TimeSpan window, CancellationToken cancellationToken);

    /// <summary>The <paramref name="quantile"/> (0..1) of a workload's inbound response latency in ms over
    /// <paramref name="window"/>; null without responses.</summary>
    Task<double?> InboundLatencyQuantileAsync(WorkloadRef workload, double quantile, TimeSpan window, CancellationToken cancellationToken);

    /// <summary>A workload's inbound counts over the last <paramref name="window"/> as the canary judge reads
    /// them: responses, failed ones (not <c>classification="success"</c>) and responses per
    /// <c>response_latency_ms</c> bucket (<see cref="Linnet.Api.Telemetry.LatencyBuckets"/>, not cumulative).</summary>
    Task<Judge.SideCounts> InboundCountsAsync(WorkloadRef workload, TimeSpan window, CancellationToken cancellationToken);
}
