namespace Linnet.ControlPlane.Core.Metrics;

/// <summary>One proxy to scrape: its admin address and the labels the scrape adds to its series (Linkerd's
/// Prometheus relabelling adds <c>namespace</c>, <c>deployment</c> and <c>pod</c>; the proxy exports none of
/// them itself, so nothing is duplicated as <c>exported_*</c>).</summary>
/// <param name="Namespace">The workload's namespace.</param>
/// <param name="Workload">The workload (Linkerd's <c>deployment</c> label).</param>
/// <param name="Pod">The instance (Linkerd's <c>pod</c> label).</param>
/// <param name="Address">The proxy's admin listener, <c>host:port</c>.</param>
/// <param name="ServiceAccount">The instance's service account (its mTLS identity).</param>
/// <param name="Ready">The instance is ready.</param>
public sealed record ScrapeTarget(string Namespace, string Workload, string Pod, string Address, string ServiceAccount, bool Ready)
{
    /// <summary>The target labels: the names Linkerd's dashboards and Flagger's queries group by.</summary>
    public IReadOnlyDictionary<string, string> Labels => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [TargetLabels.Namespace] = Namespace,
        [TargetLabels.Deployment] = Workload,
        [TargetLabels.Pod] = Pod,
    };
}
