using System.Text.RegularExpressions;
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
        var grpcRoutes = snapshot.OfKind<GrpcRouteResource>().ToList();
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
                        endpoints.Add(new MeshEndpoint(instance.Spec.Address, instance.Spec.ProxyInboundPort, 1, identity, instance.Metadata.Name, true)
                        {
                            Workload = instance.Spec.Workload,
                            ServiceAccount = instance.Spec.ServiceAccount,
                        });
                    }
                    else if (instance.Spec.Ports.Contains(port.TargetPort))
                    {
                        endpoints.Add(new MeshEndpoint(instance.Spec.Address, port.TargetPort, 1, identity, instance.Metadata.Name, false)
                        {
                            Workload = instance.Spec.Workload,
                            ServiceAccount = instance.Spec.ServiceAccount,
                        });
                    }
                }

                var key = ServiceKey(service.Metadata.Name, ns, port.Port);
                bool Attached(Resource route, IReadOnlyList<ParentRef> parents) =>
                    parents.Any(p => p.Name == service.Metadata.Name && (p.Namespace ?? route.Metadata.Namespace) == ns && (p.Port is null || p.Port == port.Port));

                // HTTPRoutes first, then GRPCRoutes, each in store order.
                // Gateway API: routes with a more specific matching hostname win (characters of a non-wildcard
                // hostname, then of any hostname); a route without hostnames matches every host, so comes last.
                // The sort is stable, so routes of equal specificity keep their order.
                var attached = routes
                    .Where(r => Attached(r, r.Spec.ParentRefs))
                    .Select(r => new MeshRoute($"{r.Metadata.Namespace}/{r.Metadata.Name}", r.Spec.Rules.Select(rule => Rule(rule, r, port.Port, portsByService)).ToList())
                    {
                        Hostnames = r.Spec.Hostnames,
                    })
                    .Concat(grpcRoutes
                        .Where(r => Attached(r, r.Spec.ParentRefs))
                        .Select(r => new MeshRoute($"{r.Metadata.Namespace}/{r.Metadata.Name}", r.Spec.Rules.Select(rule => Rule(rule, r, port.Port, portsByService)).ToList())
                        {
                            Kind = GrpcRouteResource.KindName,
                            Hostnames = r.Spec.Hostnames,
                        }))
                    .OrderByDescending(r => r.Hostnames.Where(h => !h.StartsWith('*')).Select(h => h.Length).DefaultIfEmpty(0).Max())
                    .ThenByDescending(r => r.Hostnames.Select(h => h.Length).DefaultIfEmpty(0).Max())
                    .ToList();
                var (budget, breaker) = ServiceTrafficPolicy.Read(service.Metadata.Annotations, static (_, _) => { });
                services.Add(new MeshService(
                    key,
                    service.Metadata.Name,
                    ns,
                    port.Port,
                    Protocol(port.AppProtocol),
                    endpoints.OrderBy(e => e.Address, StringComparer.Ordinal).ThenBy(e => e.Port).ToList(),
                    attached,
                    service.Status.LocalPorts.GetValueOrDefault(port.Port))
                {
                    RetryBudget = budget,
                    CircuitBreaker = breaker,
                });
            }
        }

        return new MeshView(snapshot.Revision, services);
    }

    private static MeshRule Rule(HttpRouteRule rule, HttpRouteResource route, int parentPort, Dictionary<(string, string), List<int>> portsByService)
    {
        var (filters, timeouts) = WithRouteAnnotations(route, rule.Filters, rule.Timeouts, grpc: false);
        return Rule(
            rule.Matches.Select(m => new MeshMatch(m.Path, m.Headers) { QueryParams = m.QueryParams, Method = m.Method }).ToList(),
            rule.BackendRefs,
            filters,
            timeouts,
            grpc: false,
            route.Metadata.Namespace,
            parentPort,
            portsByService);
    }

    private static MeshRule Rule(GrpcRouteRule rule, GrpcRouteResource route, int parentPort, Dictionary<(string, string), List<int>> portsByService)
    {
        var (filters, timeouts) = WithRouteAnnotations(route, rule.Filters, rule.Timeouts, grpc: true);
        return Rule(
            rule.Matches.Select(m => new MeshMatch(m.Method is { } method ? GrpcPath(method) : null, m.Headers)).ToList(),
            rule.BackendRefs,
            filters,
            timeouts,
            grpc: true,
            route.Metadata.Namespace,
            parentPort,
            portsByService);
    }

    // Linkerd's retry.linkerd.io/* and timeout.linkerd.io/* on the route apply to each of its rules; a rule's own
    // LinnetRetry filter and timeouts fields win (validated on apply, so nothing is reported here).
    private static (RouteFilters Filters, RouteTimeouts? Timeouts) WithRouteAnnotations(Resource route, RouteFilters filters, RouteTimeouts? timeouts, bool grpc)
    {
        var (retry, annotated) = LinkerdRouteAnnotations.Read(route.Metadata.Annotations, grpc, static (_, _) => { });
        return (filters.Retry is null && retry is not null ? filters with { Retry = retry } : filters, LinkerdRouteAnnotations.Merge(timeouts, annotated));
    }

    // A backend names a Service and, optionally, its port: without one, the Service's only port, or the
    // parent's port if the Service has it. A backend that resolves to no existing service port is left out,
    // so every key a view names is in the view (a rule left with no backend answers like an empty service).
    // A mirror resolves the same way; one that resolves to nothing is dropped.
    private static MeshRule Rule(
        List<MeshMatch> matches,
        IReadOnlyList<BackendRef> backendRefs,
        RouteFilters filters,
        RouteTimeouts? timeouts,
        bool grpc,
        string routeNamespace,
        int parentPort,
        Dictionary<(string, string), List<int>> portsByService)
    {
        var backends = new List<MeshBackend>();
        foreach (var b in backendRefs)
        {
            if (Resolve(b, routeNamespace, parentPort, portsByService) is { } key)
            {
                backends.Add(new MeshBackend(key, b.Weight));
            }
        }

        MeshMirror? mirror = null;
        if (filters.RequestMirror is { } m && Resolve(m.BackendRef, routeNamespace, parentPort, portsByService) is { } mirrorKey)
        {
            mirror = new MeshMirror(mirrorKey, m.Percent);
        }

        MeshRetry? retry = null;
        if (filters.Retry is { } r)
        {
            var unspecified = r.On.Count == 0 && r.StatusCodes.Count == 0 && r.GrpcCodes.Count == 0;
            retry = new MeshRetry(
                r.Limit ?? 1,
                unspecified && !grpc ? ["5xx"] : r.On,
                r.StatusCodes,
                unspecified && grpc ? MeshRetry.DefaultGrpcCodes : r.GrpcCodes,
                r.RetryNonIdempotent,
                r.MaxBodyBytes ?? MeshRetry.DefaultMaxBodyBytes);
        }

        return new MeshRule(matches, backends)
        {
            RequestHeaders = filters.RequestHeaderModifier,
            ResponseHeaders = filters.ResponseHeaderModifier,
            Timeouts = timeouts,
            Fault = filters.FaultInjection,
            Retry = retry,
            Mirror = mirror,
            Rewrite = filters.UrlRewrite,
            Redirect = filters.RequestRedirect,
        };
    }

    private static string? Resolve(BackendRef b, string routeNamespace, int parentPort, Dictionary<(string, string), List<int>> portsByService)
    {
        var ns = b.Namespace ?? routeNamespace;
        if (!portsByService.TryGetValue((ns, b.Name), out var ports))
        {
            return null;
        }

        int? port = b.Port is { } explicitPort ? (ports.Contains(explicitPort) ? explicitPort : null)
            : ports.Count == 1 ? ports[0]
            : ports.Contains(parentPort) ? parentPort : null;
        return port is { } resolved ? ServiceKey(b.Name, ns, resolved) : null;
    }

    // gRPC calls are POSTs to /<package.Service>/<Method>: a method match is a condition on that path.
    private static PathMatch GrpcPath(GrpcMethodMatch method)
    {
        // The Gateway API allows a leading '.' on a fully qualified service name; the path never has it.
        method = method with { Service = method.Type == "Exact" ? method.Service?.TrimStart('.') : method.Service };
        if (method.Type == "RegularExpression")
        {
            return new PathMatch("RegularExpression", $"/(?:{method.Service ?? "[^/]+"})/(?:{method.Method ?? "[^/]+"})");
        }

        return (method.Service, method.Method) switch
        {
            ({ } service, { } name) => new PathMatch("Exact", $"/{service}/{name}"),
            ({ } service, null) => new PathMatch("PathPrefix", $"/{service}"),
            (null, { } name) => new PathMatch("RegularExpression", $"/[^/]+/{Regex.Escape(name)}"),
            _ => new PathMatch("PathPrefix", "/"),
        };
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
