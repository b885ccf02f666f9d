using System.Net;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;

namespace Linnet.ControlPlane.Rollouts;

/// <summary>Resolves a webhook host written as Flagger users write it for a cluster Service —
/// <c>&lt;service&gt;.&lt;namespace&gt;</c>, <c>….svc</c> or <c>….svc.cluster.local</c> — to a ready instance of that
/// Service in the store, at the Service port's <c>targetPort</c> (the control plane runs on the host, beside the
/// instances, as kube-proxy would dial a pod). A host that names no Service is left to DNS.</summary>
internal sealed class MeshServiceResolver(IResourceStore store)
{
    /// <summary>The instance to dial for <paramref name="host"/>:<paramref name="port"/>; null when the host is no
    /// mesh Service.</summary>
    /// <exception cref="HttpRequestException">The Service exists but has no such port or no ready instance.</exception>
    public IPEndPoint? Resolve(string host, int port)
    {
        if (Split(host) is not var (name, ns))
        {
            return null;
        }

        var snapshot = store.Snapshot();
        if (snapshot.Resources.GetValueOrDefault(new ResourceKey(ServiceResource.KindName, ns, name)) is not ServiceResource service)
        {
            return null;
        }

        var servicePort = service.Spec.Ports.FirstOrDefault(p => p.Port == port)
            ?? throw new HttpRequestException($"Service {name}.{ns} has no port {port}");
        var ready = snapshot.OfKind<InstanceResource>()
            .Where(i => i.Metadata.Namespace == ns && i.Spec.Ready && Selects(service.Spec.Selector, i.Metadata.Labels))
            .OrderBy(i => i.Metadata.Name, StringComparer.Ordinal)
            .ToList();
        if (ready.Count == 0)
        {
            throw new HttpRequestException($"Service {name}.{ns} has no ready instance");
        }

        // Spread calls over the ready instances, as a Service would.
        var instance = ready[Random.Shared.Next(ready.Count)];
        return IPAddress.TryParse(instance.Spec.Address, out var address)
            ? new IPEndPoint(address, servicePort.TargetPort)
            : throw new HttpRequestException($"instance {instance.Metadata.Name} of Service {name}.{ns} has no IP address");
    }

    private static (string Name, string Namespace)? Split(string host)
    {
        var labels = host.TrimEnd('.').Split('.');
        var suffix = string.Join('.', labels.Skip(2));
        return labels.Length >= 2 && suffix is "" or "svc" or "svc.cluster.local" ? (labels[0], labels[1]) : null;
    }

    private static bool Selects(IReadOnlyDictionary<string, string> selector, IReadOnlyDictionary<string, string> labels) =>
        selector.Count > 0 && selector.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
