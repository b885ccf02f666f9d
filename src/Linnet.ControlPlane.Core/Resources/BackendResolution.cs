namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Gateway API's rule for a route's reference to a backend in another namespace, shared by the translator
/// (which routes only to permitted backends) and the route status (which says <c>RefNotPermitted</c> otherwise).</summary>
public static class BackendResolution
{
    /// <summary>Whether a route of <paramref name="routeKind"/> in <paramref name="routeNamespace"/> may reference
    /// <paramref name="backend"/>: always in its own namespace, else only with a ReferenceGrant in the backend's.</summary>
    public static bool Permitted(BackendRef backend, string routeKind, string routeNamespace, IEnumerable<ReferenceGrantResource> grants)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(grants);
        var ns = backend.Namespace ?? routeNamespace;
        return ns == routeNamespace || grants.Any(g => g.Metadata.Namespace == ns && g.Permits(routeKind, routeNamespace, backend.Name));
    }
}
