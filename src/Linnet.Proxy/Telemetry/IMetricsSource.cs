using System.Text;

namespace Linnet.Proxy.Telemetry;

/// <summary>A family of series rendered into the proxy's <c>/metrics</c> after the core ones, so that a
/// feature (routes, identity, …) keeps its metrics in its own file.</summary>
public interface IMetricsSource
{
    /// <summary>Appends the source's series; <paramref name="workloadLabels"/> (already rendered, no trailing
    /// comma) goes first in every label set.</summary>
    void WriteTo(StringBuilder sb, string workloadLabels);
}
