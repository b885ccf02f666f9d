namespace Linnet.ControlPlane.Core.Metrics;

/// <summary>Raw access to the proxies' series, the one thing the two metrics sources do differently: the
/// embedded store scraped by the control plane, or a real Prometheus queried with PromQL. Everything computed
/// from the series (rates, success rates, quantiles, tables) is done once, by <see cref="MeshMetrics"/>, so
/// both sources answer alike.</summary>
public interface ISeriesSource
{
    /// <summary>Per group of <paramref name="groupBy"/> labels, the sum over the selected counter series of how
    /// much each grew over the last <paramref name="window"/>: its latest value minus its value
    /// <paramref name="window"/> ago (0 for a series born since). In PromQL,
    /// <c>sum by (g) (m) - (sum by (g) (m offset w) or sum by (g) (m) * 0)</c>: no extrapolation to the window's
    /// edges, so a count of requests is exact.</summary>
    Task<IReadOnlyList<SeriesValue>> IncreaseAsync(SeriesSelector selector, IReadOnlyList<string> groupBy, TimeSpan window, CancellationToken cancellationToken);

    /// <summary>Per group, the sum of the selected series' latest values (gauges: <c>sum by (g) (m)</c>).</summary>
    Task<IReadOnlyList<SeriesValue>> LatestAsync(SeriesSelector selector, IReadOnlyList<string> groupBy, CancellationToken cancellationToken);
}
