using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;

namespace Linnet.ControlPlane.Admission;

/// <summary>Admission for applied resources: a Service keeps the local ports it was given for the ports it
/// still has, and every port without one gets the lowest free port of the configured range that no other
/// Service holds. The result goes into the same commit as the Service itself, so a Service is never visible
/// without its local ports.</summary>
internal sealed class LocalPortAdmission(ControlPlaneOptions options)
{
    /// <summary>The resources to commit, Services with their status filled in; or the reason there are none.</summary>
    public AdmissionResult Admit(StoreSnapshot snapshot, IReadOnlyList<Resource> applied)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(applied);
        var appliedKeys = new HashSet<ResourceKey>();
        foreach (var resource in applied)
        {
            appliedKeys.Add(resource.Key);
        }

        var used = new HashSet<int>();
        foreach (var service in snapshot.OfKind<ServiceResource>())
        {
            if (!appliedKeys.Contains(service.Key))
            {
                used.UnionWith(service.Status.LocalPorts.Values);
            }
        }

        // First what the applied Services keep, so that allocation below never hands out a kept port.
        var kept = new Dictionary<ResourceKey, Dictionary<int, int>>();
        foreach (var resource in applied)
        {
            if (resource is not ServiceResource service)
            {
                continue;
            }

            var ports = new Dictionary<int, int>();
            if (snapshot.Resources.GetValueOrDefault(service.Key) is ServiceResource existing)
            {
                foreach (var port in service.Spec.Ports)
                {
                    if (existing.Status.LocalPorts.TryGetValue(port.Port, out var local) && used.Add(local))
                    {
                        ports[port.Port] = local;
                    }
                }
            }

            kept[service.Key] = ports;
        }

        var result = new List<Resource>(applied.Count);
        var next = options.LocalPortFirst;
        foreach (var resource in applied)
        {
            if (resource is not ServiceResource service)
            {
                result.Add(resource);
                continue;
            }

            var ports = kept[service.Key];
            foreach (var port in service.Spec.Ports)
            {
                if (ports.ContainsKey(port.Port))
                {
                    continue;
                }

                while (next <= options.LocalPortLast && used.Contains(next))
                {
                    next++;
                }

                if (next > options.LocalPortLast)
                {
                    return AdmissionResult.Refused(
                        $"{service.Key}: no free local port for port {port.Port}: every port of {options.LocalPortFirst}-{options.LocalPortLast} is assigned");
                }

                ports[port.Port] = next;
                used.Add(next);
            }

            result.Add(service with { Status = new ServiceStatus(ports) });
        }

        return AdmissionResult.Admitted(result);
    }
}
