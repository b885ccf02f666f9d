using System.Text;

namespace Linnet.Proxy.Telemetry;

/// <summary>A family of series rendered into the proxy's <c>/metrics</c> after the core ones, so that a
/// feature (routes, identity, …) keeps its metrics in its own file.</summary>
internal interface IMetricsSource
{
    /// <summary>Appends the source's series. Like linkerd2-proxy's, they carry no labels naming the proxy's own
    /// workload (namespace, pod…): the scrape adds those as target labels (docs/observability.md).</summary>
    void WriteTo(StringBuilder sb);
}
