using Linnet.ControlPlane.Core.Resources;
using Linnet.ControlPlane.Core.Store;

namespace Linnet.ControlPlane.Core.Reconciliation;

/// <summary>What a route's Gateway API status should be in a store snapshot: per parentRef, <c>Accepted</c>
/// (reason <c>Accepted</c>, or <c>NoMatchingParent</c> when the parent Service or its port does not exist) and
/// <c>ResolvedRefs</c> (reason <c>ResolvedRefs</c>; else, for the first unresolved backendRef or mirror backendRef,
/// <c>InvalidKind</c> when it is not a core Service, <c>RefNotPermitted</c> when it is in another namespace without a
/// ReferenceGrant there, <c>BackendNotFound</c> when it names no existing Service port). A pure function; a condition keeps its transition time while its
/// status is unchanged, so an unchanged route computes an equal status and nothing is written.</summary>
public static class RouteStatusCalculator
{
    /// <summary>The status <paramref name="route"/> (an HTTPRoute or GRPCRoute) should have.</summary>
    public static RouteStatus Compute(StoreSnapshot snapshot, Resource route, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(route);
        var (parents, backends, previous) = route switch
        {
            HttpRouteResource h => (h.Spec.ParentRefs, h.Spec.Rules.SelectMany(r => Refs(r.BackendRefs, r.Filters)).ToList(), h.Status),
            GrpcRouteResource g => (g.Spec.ParentRefs, g.Spec.Rules.SelectMany(r => Refs(r.BackendRefs, r.Filters)).ToList(), g.Status),
            _ => throw new ArgumentException($"{route.Kind} has no route status", nameof(route)),
        };

        // Kept to the second, as metav1.Time is, so that the status reads back from the store equal.
        now = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
        var routeNs = route.Metadata.Namespace;
        var generation = route.Metadata.Generation;
        var services = snapshot.OfKind<ServiceResource>().ToDictionary(s => (s.Metadata.Namespace, s.Metadata.Name));
        var namespaces = snapshot.Resources.Keys.Select(k => k.Namespace).ToHashSet(StringComparer.Ordinal);
        var grants = snapshot.OfKind<ReferenceGrantResource>().ToList();
        var result = new List<RouteParentStatus>(parents.Count);
        foreach (var parent in parents)
        {
            var ns = parent.Namespace ?? routeNs;
            var resolvedParent = parent with { Namespace = ns };
            var previousConditions = previous.Parents.FirstOrDefault(p => p.ParentRef.Equals(resolvedParent))?.Conditions ?? [];
            RouteCondition Condition(string type, bool ok, string reason, string message)
            {
                var status = ok ? "True" : "False";
                var since = previousConditions.FirstOrDefault(c => c.Type == type && c.Status == status)?.LastTransitionTime ?? now;
                return new RouteCondition(type, status, reason, message, generation, since);
            }

            RouteCondition accepted;
            if (!services.TryGetValue((ns, parent.Name), out var service))
            {
                var why = namespaces.Contains(ns) ? "" : $": namespace '{ns}' does not exist (nothing is in it)";
                accepted = Condition("Accepted", false, "NoMatchingParent", $"parentRef Service {ns}/{parent.Name} does not exist{why}; the route is kept and attaches when it appears");
            }
            else if (parent.Port is { } port && service.Spec.Ports.All(p => p.Port != port))
            {
                accepted = Condition("Accepted", false, "NoMatchingParent", $"parentRef Service {ns}/{parent.Name} has no port {port} (ports: {string.Join(", ", service.Spec.Ports.Select(p => p.Port))})");
            }
            else
            {
                accepted = Condition("Accepted", true, "Accepted", "Route is accepted");
            }

            var parentPorts = parent.Port is { } pp ? [pp] : service?.Spec.Ports.Select(p => p.Port).ToList() ?? [];
            var missing = new List<string>();
            string? reason = null;
            foreach (var (what, backend) in backends)
            {
                if (Unresolved(backend, route.Kind, routeNs, parentPorts, services, namespaces, grants) is { } problem)
                {
                    // One condition has one reason: the first problem's, in rule order; the message names them all.
                    reason ??= problem.Reason;
                    missing.Add($"{what} {problem.Message}");
                }
            }

            var resolved = missing.Count == 0
                ? Condition("ResolvedRefs", true, "ResolvedRefs", "All references are resolved")
                : Condition("ResolvedRefs", false, reason!, string.Join("; ", missing.Distinct(StringComparer.Ordinal)) + " (requests picked for it are answered 500)");
            result.Add(new RouteParentStatus(resolvedParent, RouteStatus.ControllerName, [accepted, resolved]));
        }

        return new RouteStatus(result);
    }

    private static IEnumerable<(string What, BackendRef Ref)> Refs(IReadOnlyList<BackendRef> backends, RouteFilters filters)
    {
        foreach (var backend in backends)
        {
            yield return ("backendRef", backend);
        }

        if (filters.RequestMirror is { } mirror)
        {
            yield return ("RequestMirror backendRef", mirror.BackendRef);
        }
    }

    // Resolved as the translator resolves it (BackendResolution): a core Service, in the route's namespace or one
    // whose ReferenceGrant lets the route in; the named port, else the Service's only port, else the parent's.
    private static (string Reason, string Message)? Unresolved(BackendRef backend, string routeKind, string routeNs, List<int> parentPorts, Dictionary<(string, string), ServiceResource> services, HashSet<string> namespaces, List<ReferenceGrantResource> grants)
    {
        var ns = backend.Namespace ?? routeNs;
        if (!backend.IsService)
        {
            return ("InvalidKind", $"{(backend.Group.Length == 0 ? "core" : backend.Group)}/{backend.Kind} {ns}/{backend.Name} is not a kind of backend Linnet supports (core Service only)");
        }

        if (!BackendResolution.Permitted(backend, routeKind, routeNs, grants))
        {
            return ("RefNotPermitted", $"Service {ns}/{backend.Name} is in another namespace and no ReferenceGrant in '{ns}' lets {routeKind}s of '{routeNs}' reference it");
        }

        if (!services.TryGetValue((ns, backend.Name), out var service))
        {
            return ("BackendNotFound", namespaces.Contains(ns)
                ? $"Service {ns}/{backend.Name} does not exist"
                : $"Service {ns}/{backend.Name} does not exist (namespace '{ns}' does not exist)");
        }

        var ports = service.Spec.Ports.Select(p => p.Port).ToList();
        if (backend.Port is { } port)
        {
            return ports.Contains(port) ? null : ("BackendNotFound", $"Service {ns}/{backend.Name} has no port {port}");
        }

        return ports.Count == 1 || parentPorts.Any(ports.Contains)
            ? null
            : ("BackendNotFound", $"Service {ns}/{backend.Name} has several ports and none is the parent's: name one");
    }
}
