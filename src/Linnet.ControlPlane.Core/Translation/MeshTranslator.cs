using System.Text.RegularExpressions;
using Linnet.Api.Policy;
using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;

namespace Linnet.ControlPlane.Core.Translation;

/// <summary>Turns a store snapshot into the <see cref="MeshView"/> proxies need. A pure function: the same
/// snapshot always gives the same view, which golden-file tests pin down.</summary>
public static class MeshTranslator
{
    /// <summary>The trust domain in identities until the identity issue makes it configurable.</summary>
    public const string DefaultTrustDomain = "cluster.local";

    /// <summary>The name of the route a Service's own retry and timeout annotations make when no route is attached
    /// to it (Linkerd's default route; route metrics label it <c>route_name="default"</c>).</summary>
    public const string DefaultRouteName = "default";

    /// <summary>The key of a service port.</summary>
    public static string ServiceKey(string name, string ns, int port) => $"{name}.{ns}:{port}";

    /// <summary>Translates <paramref name="snapshot"/>, taking each Service's endpoints from
    /// <paramref name="endpointSource"/>.</summary>
    public static MeshView Translate(StoreSnapshot snapshot, string trustDomain = DefaultTrustDomain, EndpointSource endpointSource = EndpointSource.Selector)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var instances = snapshot.OfKind<InstanceResource>().Where(i => i.Spec.Ready).ToList();
        var slices = endpointSource == EndpointSource.EndpointSlices
            ? snapshot.OfKind<EndpointSliceResource>().ToLookup(s => (s.Metadata.Namespace, s.Spec.ServiceName))
            : null;
        var pods = endpointSource == EndpointSource.EndpointSlices
            ? snapshot.OfKind<InstanceResource>().ToDictionary(i => (i.Metadata.Namespace, i.Metadata.Name))
            : null;
        var routes = snapshot.OfKind<HttpRouteResource>().ToList();
        var grpcRoutes = snapshot.OfKind<GrpcRouteResource>().ToList();
        var portsByService = snapshot.OfKind<ServiceResource>().ToDictionary(s => (s.Metadata.Namespace, s.Metadata.Name), s => s.Spec.Ports.Select(p => p.Port).ToList());
        var grants = snapshot.OfKind<ReferenceGrantResource>().ToList();
        var services = new List<MeshService>();
        foreach (var service in snapshot.OfKind<ServiceResource>())
        {
            var ns = service.Metadata.Namespace;
            var selected = slices is null
                ? instances.Where(i => i.Metadata.Namespace == ns && DictionaryEquality.Matches(service.Spec.Selector, i.Metadata.Labels)).ToList()
                : [];
            foreach (var port in service.Spec.Ports)
            {
                var endpoints = slices is null
                    ? selected.Select(i => Endpoint(i.Spec.Address, port.TargetPort, i, ns, trustDomain, requirePort: true)).OfType<MeshEndpoint>().ToList()
                    : SliceEndpoints(slices[(ns, service.Metadata.Name)], port, pods!, ns, trustDomain);

                var key = ServiceKey(service.Metadata.Name, ns, port.Port);
                bool Attached(Resource route, IReadOnlyList<ParentRef> parents) =>
                    parents.Any(p => p.Name == service.Metadata.Name && (p.Namespace ?? route.Metadata.Namespace) == ns && (p.Port is null || p.Port == port.Port));

                // HTTPRoutes first, then GRPCRoutes, each in store order.
                // Gateway API: routes with a more specific matching hostname win (characters of a non-wildcard
                // hostname, then of any hostname); a route without hostnames matches every host, so comes last.
                // The sort is stable, so routes of equal specificity keep their order.
                var protocol = Protocol(port.AppProtocol);
                var (httpDefaults, grpcDefaults) = (ServiceDefaults(service, grpc: false), ServiceDefaults(service, grpc: true));
                var defaults = protocol == "grpc" ? grpcDefaults : httpDefaults;
                var attached = routes
                    .Where(r => Attached(r, r.Spec.ParentRefs))
                    .Select(r => new MeshRoute($"{r.Metadata.Namespace}/{r.Metadata.Name}", r.Spec.Rules.Select(rule => Rule(rule, r, port.Port, portsByService, grants, httpDefaults)).ToList())
                    {
                        Hostnames = r.Spec.Hostnames,
                    })
                    .Concat(grpcRoutes
                        .Where(r => Attached(r, r.Spec.ParentRefs))
                        .Select(r => new MeshRoute($"{r.Metadata.Namespace}/{r.Metadata.Name}", r.Spec.Rules.Select(rule => Rule(rule, r, port.Port, portsByService, grants, grpcDefaults)).ToList())
                        {
                            Kind = GrpcRouteResource.KindName,
                            Hostnames = r.Spec.Hostnames,
                        }))
                    .OrderByDescending(r => r.Hostnames.Where(h => !h.StartsWith('*')).Select(h => h.Length).DefaultIfEmpty(0).Max())
                    .ThenByDescending(r => r.Hostnames.Select(h => h.Length).DefaultIfEmpty(0).Max())
                    .ToList();
                if (attached.Count == 0 && protocol != "opaque" && (defaults.Retry is not null || defaults.Timeouts is not null))
                {
                    // Linkerd's default route: the Service's retry and timeout annotations for all its traffic.
                    var grpc = protocol == "grpc";
                    var rule = Rule([], [new BackendRef(service.Metadata.Name, ns, port.Port, 1)], RouteFilters.None with { Retry = defaults.Retry }, defaults.Timeouts, grpc, ns, port.Port, portsByService, static _ => true);
                    attached.Add(new MeshRoute(DefaultRouteName, [rule]) { Kind = grpc ? GrpcRouteResource.KindName : HttpRouteResource.KindName });
                }

                var (budget, breaker) = ServiceTrafficPolicy.Read(service.Metadata.Annotations, static (_, _) => { });
                services.Add(new MeshService(
                    key,
                    service.Metadata.Name,
                    ns,
                    port.Port,
                    protocol,
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

    // The endpoints the slices of a Service give one of its ports: the slice port of the same name (a Service's single
    // unnamed port is ""), each ready endpoint at that port (a slice's ports apply to all its endpoints); duplicates
    // across slices (the API allows them while slices are rebalanced) once. The Pod a targetRef names gives identity
    // and whether it is meshed; an endpoint naming no known Pod is served unmeshed.
    private static List<MeshEndpoint> SliceEndpoints(IEnumerable<EndpointSliceResource> slices, ServicePort port, Dictionary<(string, string), InstanceResource> pods, string ns, string trustDomain)
    {
        var endpoints = new List<MeshEndpoint>();
        foreach (var slice in slices)
        {
            if (slice.Spec.Ports.FirstOrDefault(p => p.Name == (port.Name ?? "")) is not { } slicePort)
            {
                continue;
            }

            foreach (var e in slice.Spec.Endpoints.Where(e => e.IsReady))
            {
                var pod = e.Pod is not null ? pods.GetValueOrDefault((ns, e.Pod)) : null;
                endpoints.Add(Endpoint(e.Address, slicePort.Port, pod, ns, trustDomain, requirePort: false)!);
            }
        }

        return endpoints.DistinctBy(e => (e.Address, e.Port)).ToList();
    }

    // One endpoint at address:targetPort. A meshed instance (its proxy's inbound port known) serving it on its primary
    // port is reached through its proxy, with mTLS to its identity; otherwise the app's port itself. requirePort: the
    // instance must declare targetPort (a selector's match), else there is no endpoint.
    private static MeshEndpoint? Endpoint(string address, int targetPort, InstanceResource? instance, string ns, string trustDomain, bool requirePort)
    {
        if (instance is null)
        {
            return new MeshEndpoint(address, targetPort, 1, "", "", false);
        }

        var identity = $"spiffe://{trustDomain}/ns/{ns}/sa/{instance.Spec.ServiceAccount}";
        var primary = instance.Spec.Ports.Count > 0 && instance.Spec.Ports[0] == targetPort;
        if (primary && instance.Spec.ProxyInboundPort > 0)
        {
            return new MeshEndpoint(address, instance.Spec.ProxyInboundPort, 1, identity, instance.Metadata.Name, true)
            {
                Workload = instance.Spec.Workload,
                ServiceAccount = instance.Spec.ServiceAccount,
            };
        }

        return !requirePort || instance.Spec.Ports.Contains(targetPort)
            ? new MeshEndpoint(address, targetPort, 1, identity, instance.Metadata.Name, false)
            {
                Workload = instance.Spec.Workload,
                ServiceAccount = instance.Spec.ServiceAccount,
            }
            : null;
    }

    private static MeshRule Rule(HttpRouteRule rule, HttpRouteResource route, int parentPort, Dictionary<(string, string), List<int>> portsByService, List<ReferenceGrantResource> grants, (RetryPolicy? Retry, RouteTimeouts? Timeouts) service)
    {
        var (filters, timeouts) = WithRouteAnnotations(route, rule.Filters, rule.Timeouts, grpc: false, service);
        return Rule(
            rule.Matches.Select(m => new MeshMatch(m.Path, m.Headers) { QueryParams = m.QueryParams, Method = m.Method }).ToList(),
            rule.BackendRefs,
            filters,
            timeouts,
            grpc: false,
            route.Metadata.Namespace,
            parentPort,
            portsByService,
            b => BackendResolution.Permitted(b, route.Kind, route.Metadata.Namespace, grants));
    }

    private static MeshRule Rule(GrpcRouteRule rule, GrpcRouteResource route, int parentPort, Dictionary<(string, string), List<int>> portsByService, List<ReferenceGrantResource> grants, (RetryPolicy? Retry, RouteTimeouts? Timeouts) service)
    {
        var (filters, timeouts) = WithRouteAnnotations(route, rule.Filters, rule.Timeouts, grpc: true, service);
        return Rule(
            rule.Matches.Select(m => new MeshMatch(m.Method is { } method ? GrpcPath(method) : null, m.Headers)).ToList(),
            rule.BackendRefs,
            filters,
            timeouts,
            grpc: true,
            route.Metadata.Namespace,
            parentPort,
            portsByService,
            b => BackendResolution.Permitted(b, route.Kind, route.Metadata.Namespace, grants));
    }

    // Linkerd's retry.linkerd.io/* and timeout.linkerd.io/* on the route apply to each of its rules; a rule's own
    // LinnetRetry filter and timeouts fields win (validated on apply, so nothing is reported here). Then the parent
    // Service's: its retry only where neither the rule nor the route has one, its timeouts field by field.
    private static (RouteFilters Filters, RouteTimeouts? Timeouts) WithRouteAnnotations(Resource route, RouteFilters filters, RouteTimeouts? timeouts, bool grpc, (RetryPolicy? Retry, RouteTimeouts? Timeouts) service)
    {
        var (retry, annotated) = LinkerdRouteAnnotations.Read(route.Metadata.Annotations, grpc, static (_, _) => { });
        retry = filters.Retry ?? retry ?? service.Retry;
        return (retry is not null ? filters with { Retry = retry } : filters, LinkerdRouteAnnotations.Merge(LinkerdRouteAnnotations.Merge(timeouts, annotated), service.Timeouts));
    }

    private static (RetryPolicy? Retry, RouteTimeouts? Timeouts) ServiceDefaults(ServiceResource service, bool grpc) =>
        LinkerdRouteAnnotations.Read(service.Metadata.Annotations, grpc, static (_, _) => { });

    // A backend names a Service and, optionally, its port: without one, the Service's only port, or the
    // parent's port if the Service has it. A backend that resolves to no existing service port (or is not a core
    // Service, or is in another namespace without a ReferenceGrant letting the route in) keeps its weight under
    // UnresolvedKey, so its share is answered 500 as Gateway API requires (every other key a view names is in
    // the view).
    // A mirror resolves the same way; one that resolves to nothing is dropped.
    private static MeshRule Rule(
        List<MeshMatch> matches,
        IReadOnlyList<BackendRef> backendRefs,
        RouteFilters filters,
        RouteTimeouts? timeouts,
        bool grpc,
        string routeNamespace,
        int parentPort,
        Dictionary<(string, string), List<int>> portsByService,
        Func<BackendRef, bool> permitted)
    {
        var backends = new List<MeshBackend>();
        foreach (var b in backendRefs)
        {
            // Gateway API: the share of requests an invalid backendRef would have had is answered 500, so it stays in
            // the split under a key no service has (the proxy answers 500 for a backend it does not know).
            backends.Add(new MeshBackend(Resolve(b, routeNamespace, parentPort, portsByService, permitted) ?? UnresolvedKey(b, routeNamespace), b.Weight)
            {
                RequestHeaders = b.Filters.RequestHeaderModifier,
                ResponseHeaders = b.Filters.ResponseHeaderModifier,
            });
        }

        MeshMirror? mirror = null;
        if (filters.RequestMirror is { } m && Resolve(m.BackendRef, routeNamespace, parentPort, portsByService, permitted) is { } mirrorKey)
        {
            mirror = new MeshMirror(mirrorKey, m.Percent);
        }

        MeshRetry? retry = null;
        if (filters.Retry is { } r)
        {
            var unspecified = PolicyDefaults.RetryConditionsUnspecified(r.On.Count, r.StatusCodes.Count, r.GrpcCodes.Count);
            retry = new MeshRetry(
                r.Limit ?? PolicyDefaults.RetryLimit,
                unspecified && !grpc ? [PolicyDefaults.RetryHttpCondition] : r.On,
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

    /// <summary>The key a backendRef that resolves to no service keeps in its rule's split: never a service's key
    /// (those have no '!'), so its share of requests is answered 500.</summary>
    public static string UnresolvedKey(BackendRef backend, string routeNamespace)
    {
        ArgumentNullException.ThrowIfNull(backend);
        return $"!unresolved:{(backend.Group.Length == 0 ? "" : backend.Group + "/")}{backend.Kind}/{backend.Namespace ?? routeNamespace}/{backend.Name}";
    }

    private static string? Resolve(BackendRef b, string routeNamespace, int parentPort, Dictionary<(string, string), List<int>> portsByService, Func<BackendRef, bool> permitted)
    {
        var ns = b.Namespace ?? routeNamespace;
        if (!b.IsService || !permitted(b) || !portsByService.TryGetValue((ns, b.Name), out var ports))
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
