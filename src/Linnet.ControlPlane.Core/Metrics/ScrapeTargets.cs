using System.Net;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;

namespace Linnet.ControlPlane.Core.Metrics;

/// <summary>Every proxy the control plane knows, from the store's <c>Instance</c> resources (universal mode; on
/// Kubernetes, pods play that role): what the embedded scraper scrapes and the service-discovery endpoint lists.</summary>
public static class ScrapeTargets
{
    /// <summary>The targets of <paramref name="snapshot"/>, ordered by namespace, workload and pod.</summary>
    public static IReadOnlyList<ScrapeTarget> From(StoreSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return snapshot.OfKind<InstanceResource>()
            .Where(i => i.Spec.ProxyAdminPort is > 0 and <= 65535 && IPAddress.TryParse(i.Spec.Address, out _))
            .Select(i => new ScrapeTarget(i.Metadata.Namespace, i.Spec.Workload, i.Metadata.Name,
                new IPEndPoint(IPAddress.Parse(i.Spec.Address), i.Spec.ProxyAdminPort).ToString(), i.Spec.ServiceAccount, i.Spec.Ready))
            .OrderBy(t => t.Namespace, StringComparer.Ordinal).ThenBy(t => t.Workload, StringComparer.Ordinal).ThenBy(t => t.Pod, StringComparer.Ordinal)
            .ToList();
    }
}
