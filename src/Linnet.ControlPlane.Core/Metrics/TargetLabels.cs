namespace Linnet.ControlPlane.Core.Metrics;

/// <summary>Names of the labels a scrape adds to every series of a proxy (as Linkerd's Prometheus config does).</summary>
public static class TargetLabels
{
    /// <summary>The workload's namespace.</summary>
    public const string Namespace = "namespace";

    /// <summary>The workload (Linkerd names it after the Deployment).</summary>
    public const string Deployment = "deployment";

    /// <summary>The instance.</summary>
    public const string Pod = "pod";
}
