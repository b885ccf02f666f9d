using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;

namespace Linnet.ControlPlane.Core.Translation;

/// <summary>Turns a store snapshot into the <see cref="MeshView"/> proxies need. A pure function: the same
/// snapshot always gives the same view, which golden-file tests pin down.</summary>
public static class MeshTranslator
{
    /// <summary>The trust domain in identities until the identity issue makes it configurable.</summary>
    public const string DefaultTrustDomain = "cluster.local";

    /// <summary>The key of a service port.</summary>
    public static string ServiceKey(string name, string ns, int port) => $"{name}.{ns}:{port}";

    /// <summary>Translates <paramref name="snapshot"/>.</summary>
    public static MeshView Translate(StoreSnapshot snapshot, string trustDomain = DefaultTrustDomain)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var instances = snapshot.OfKind<InstanceResource>().Where(i => i.Spec.Ready).ToList();
        var routes = snapshot.OfKind<HttpRouteResource>().ToList();
        var portsByService = snapshot.OfKind<ServiceResource>().ToDictionary(s => (s.Metadata.Namespace, s.Metadata.Name), s => s.Spec.Ports.Select(p => p.Port).ToList());
        var services = new List<MeshService>();
        foreach (var service in snapshot.OfKind<ServiceResource>())
        {
            var ns = service.Metadata.Namespace;
            var selected = instances.Where(i => i.Metadata.Namespace == ns && DictionaryEquality.Matches(service.Spec.Selector, i.Metadata.Labels)).ToList();
            foreach (var port in service.Spec.Ports)
            {
                var endpoints = new List<MeshEndpoint>();
                foreach (var instance in selected)
                {
                    var identity = $"spiffe://{trustDomain}/ns/{ns}/sa/{instance.Spec.ServiceAccount}";
                    var primary = instance.Spec.Ports.Count > 0 && instance.Spec.Ports[0] == port.TargetPort;
                    if (primary && instance.Spec.ProxyInboundPort > 0)
                    {
                        // Meshed: through the instance's proxy, which forwards to its primary port.
                        endpoints.Add(new MeshEndpoint(instance.Spec.Address, instance.Spec.ProxyInboundPort, 1, identity, instance.Metadata.Name, true));
                    }
                    else if (instance.Spec.Ports.Contains(port.TargetPort))
                    {
                        endpoints.Add(new MeshEndpoint(instance.Spec.Address, port.TargetPort, 1, identity, instance.Metadata.Name, false));
                    }
                }

                var key = ServiceKey(service.Metadata.Name, ns, port.Port);
                var attached = routes
                    .Where(r => r.Spec.ParentRefs.Any(p => p.Name == service.Metadata.Name && (p.Namespace ?? r.Metadata.Namespace) == ns && (p.Port is null || p.Port == port.Port)))
                    .Select(r => new MeshRoute($"{r.Metadata.Namespace}/{r.Metadata.Name}", r.Spec.Rules.Select(rule => Rule(rule, r.Metadata.Namespace, port.Port, portsByService)).ToList()))
                    .ToList();
                services.Add(new MeshService(
                    key,
                    service.Metadata.Name,
                    ns,
                    port.Port,
                    Protocol(port.AppProtocol),
                    endpoints.OrderBy(e => e.Address, StringComparer.Ordinal).ThenBy(e => e.Port).ToList(),
                    attached,
                    service.Status.LocalPorts.GetValueOrDefault(port.Port)));
            }
        }

        return new MeshView(snapshot.Revision, services);
    }

    // A backend names a Service and, optionally, its port: without one, the Service's only port, or the
    // parent's port if the Service has it. A backend that resolves to no existing service port is left out,
    // so every key a view names is in the view (a rule left with no backend answers like an empty service).
    private static MeshRule Rule(HttpRouteRule rule, string routeNamespace, int parentPort, Dictionary<(string, string), List<int>> portsByService)
    {
        var backends = new List<MeshBackend>();
        foreach (var b in rule.BackendRefs)
        {
            var ns = b.Namespace ?? routeNamespace;
            if (!portsByService.TryGetValue((ns, b.Name), out var ports))
            {
                continue;
            }

            int? port = b.Port is { } explicitPort ? (ports.Contains(explicitPort) ? explicitPort : null)
                : ports.Count == 1 ? ports[0]
                : ports.Contains(parentPort) ? parentPort : null;
            if (port is { } resolved)
            {
                backends.Add(new MeshBackend(ServiceKey(b.Name, ns, resolved), b.Weight));
            }
        }

        return new MeshRule(rule.Matches.Select(m => new MeshMatch(m.Path, m.Headers)).ToList(), backends);
    }

    private static string Protocol(string? appProtocol) => appProtocol switch
    {
        "http" => "http1",
        "http2" => "http2",
        "grpc" => "grpc",
        "opaque" or "tcp" => "opaque",
        _ => "detect",
    };
}
