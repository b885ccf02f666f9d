using System.Net;
using Linnet.Proxy.Configuration;
using Proto = Linnet.Api.Destination.V1;

namespace Linnet.Proxy.ControlPlane;

/// <summary>Maps the Destination API's messages onto the proxy's config records. The control plane
/// validates what it sends; what is still unusable here (an empty key, an address that is not one) is
/// skipped and reported rather than allowed to fail the whole update.</summary>
internal static class DestinationMapper
{
    /// <summary>The service as the proxy's config, or null (with the reason added to <paramref name="problems"/>) when it is unusable.</summary>
    public static ServiceConfig? ToServiceConfig(Proto.Service service, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (service.Key.Length == 0 || service.Port is < 1 or > 65535)
        {
            problems.Add($"service '{service.Key}' with port {service.Port} skipped: it needs a key and a port 1..65535");
            return null;
        }

        var names = new List<string>(service.Names.Count);
        foreach (var name in service.Names)
        {
            if (IsHostName(name))
            {
                names.Add(name);
            }
            else
            {
                problems.Add($"service {service.Key}: name '{name}' is not a host name; ignored");
            }
        }

        if (names.Count == 0)
        {
            // The key, "name.namespace:port", still names it.
            var colon = service.Key.LastIndexOf(':');
            names.Add(colon > 0 ? service.Key[..colon] : service.Key);
        }

        // The most qualified name is the canonical one (the metrics' authority label, as Linkerd reports
        // FQDNs), whichever of the service's names the app used.
        var canonical = 0;
        for (var i = 1; i < names.Count; i++)
        {
            if (names[i].Length > names[canonical].Length)
            {
                canonical = i;
            }
        }

        var primary = names[canonical];
        names.RemoveAt(canonical);

        var endpoints = new List<EndpointConfig>(service.Endpoints.Count);
        foreach (var endpoint in service.Endpoints)
        {
            if (endpoint.Port is >= 1 and <= 65535 && (IPAddress.TryParse(endpoint.Address, out _) || IsHostName(endpoint.Address)))
            {
                endpoints.Add(new EndpointConfig(endpoint.Address, endpoint.Port, Math.Max(0, endpoint.Weight))
                {
                    Identity = endpoint.Meshed && endpoint.Identity.Length > 0 ? endpoint.Identity : null,
                });
            }
            else
            {
                problems.Add($"service {service.Key}: endpoint '{endpoint.Address}' port {endpoint.Port} is not an address; ignored");
            }
        }

        var routes = new List<RouteConfig>(service.Routes.Count);
        foreach (var route in service.Routes)
        {
            routes.Add(ToRouteConfig(route));
        }

        var protocol = service.Protocol == Proto.Protocol.Opaque ? ServiceProtocol.Opaque : ServiceProtocol.Detect;
        int? localPort = service.LocalPort is >= 1 and <= 65535 ? service.LocalPort : null;
        return new ServiceConfig(primary, names, service.Port, protocol, localPort, endpoints)
        {
            Key = service.Key,
            Routes = routes,
        };
    }

    private static RouteConfig ToRouteConfig(Proto.Route route)
    {
        var rules = new List<RouteRuleConfig>(route.Rules.Count);
        foreach (var rule in route.Rules)
        {
            var matches = new List<RouteMatchConfig>(rule.Matches.Count);
            foreach (var match in rule.Matches)
            {
                PathMatchConfig? path = match.Path is { } p
                    ? new PathMatchConfig(
                        p.Type switch
                        {
                            Proto.PathMatch.Types.Type.Exact => PathMatchType.Exact,
                            Proto.PathMatch.Types.Type.Regex => PathMatchType.Regex,
                            _ => PathMatchType.Prefix,
                        },
                        p.Value)
                    : null;
                var headers = new List<HeaderMatchConfig>(match.Headers.Count);
                foreach (var header in match.Headers)
                {
                    var type = header.Type == Proto.HeaderMatch.Types.Type.Regex ? HeaderMatchType.Regex : HeaderMatchType.Exact;
                    headers.Add(new HeaderMatchConfig(type, header.Name, header.Value));
                }

                matches.Add(new RouteMatchConfig(path, headers));
            }

            var backends = new List<RouteBackendConfig>(rule.Backends.Count);
            foreach (var backend in rule.Backends)
            {
                backends.Add(new RouteBackendConfig(backend.ServiceKey, Math.Max(0, backend.Weight)));
            }

            rules.Add(new RouteRuleConfig(matches, backends));
        }

        return new RouteConfig(route.Name, rules);
    }

    private static bool IsHostName(string name) =>
        name.Length is > 0 and <= 253 && Uri.CheckHostName(name) is UriHostNameType.Dns or UriHostNameType.IPv4;
}
