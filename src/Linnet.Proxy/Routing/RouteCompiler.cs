using System.Text.RegularExpressions;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Filters;
using Linnet.Proxy.Resilience;

namespace Linnet.Proxy.Routing;

/// <summary>Compiles a service's routes into <see cref="CompiledRouteRule"/>s when a snapshot is compiled,
/// so that requests only walk arrays. Regexes are reused from the previous snapshot by pattern.</summary>
internal sealed class RouteCompiler
{
    private readonly IReadOnlyDictionary<string, Regex> _previousRegexes;
    private readonly IReadOnlyDictionary<string, ServiceState> _servicesByKey;

    public RouteCompiler(IReadOnlyDictionary<string, ServiceState> servicesByKey, IReadOnlyDictionary<string, Regex>? previousRegexes)
    {
        _servicesByKey = servicesByKey;
        _previousRegexes = previousRegexes ?? new Dictionary<string, Regex>();
    }

    /// <summary>Every regex compiled or reused, for the next snapshot to reuse.</summary>
    public Dictionary<string, Regex> Regexes { get; } = new(StringComparer.Ordinal);

    /// <summary>What was wrong with the routes (invalid patterns, unknown backends), for the log.</summary>
    public List<string> Problems { get; } = [];

    /// <summary>The rules of every route of <paramref name="service"/>, flattened in precedence order.</summary>
    public CompiledRouteRule[] Compile(ServiceConfig service)
    {
        ArgumentNullException.ThrowIfNull(service);
        var rules = new List<CompiledRouteRule>();
        foreach (var route in service.Routes)
        {
            var hosts = HostnameMatcher.Create(route.Hostnames);
            foreach (var rule in route.Rules)
            {
                var matches = new RouteMatcher[rule.Matches.Count];
                for (var m = 0; m < matches.Length; m++)
                {
                    matches[m] = CompileMatch(route.Name, rule.Matches[m]);
                }

                var backends = new ServiceState?[rule.Backends.Count];
                var weights = new int[rule.Backends.Count];
                for (var b = 0; b < backends.Length; b++)
                {
                    var backend = rule.Backends[b];
                    weights[b] = backend.Weight;
                    if (_servicesByKey.TryGetValue(backend.ServiceKey, out var state))
                    {
                        backends[b] = state;
                    }
                    else
                    {
                        // The control plane keeps a backendRef that does not resolve (its route's ResolvedRefs says why)
                        // under a '!' key: no service has one, and its share of requests is answered 500.
                        Problems.Add(backend.ServiceKey.StartsWith('!')
                            ? $"route {route.Name} of {service.Key}: backendRef {backend.ServiceKey[1..]} does not resolve (see the route's status); its share of requests is answered 500"
                            : $"route {route.Name} of {service.Key}: backend '{backend.ServiceKey}' is not a known service");
                    }
                }

                // ReplacePrefixMatch replaces the rule's one PathPrefix match (the control plane requires exactly one).
                var prefix = rule.Matches.Count == 1 && rule.Matches[0].Path is { Type: PathMatchType.Prefix } p ? p.Value : null;
                rules.Add(new CompiledRouteRule(route.Name, matches, backends, weights, RulePolicy.Create(route.Name, rule, _servicesByKey, Problems))
                {
                    BackendPolicies = BackendPolicies(route.Name, rule),
                    Hosts = hosts,
                    Rewrite = rule.Rewrite is { } rewrite ? new UrlRewriteFilter(rewrite, prefix) : null,
                    Redirect = rule.Redirect is { } redirect ? new RequestRedirectFilter(redirect, prefix) : null,
                    RouteKind = route.Kind,
                });
            }
        }

        return [.. rules];
    }

    // Per-backendRef filters: each backend that has some gets the rule's policy with its own header changes added; null
    // when none has (every backend then takes the rule's policy).
    private RulePolicy?[]? BackendPolicies(string routeName, RouteRuleConfig rule)
    {
        if (!rule.Backends.Any(b => b.RequestHeaders is not null || b.ResponseHeaders is not null))
        {
            return null;
        }

        var policies = new RulePolicy?[rule.Backends.Count];
        for (var b = 0; b < policies.Length; b++)
        {
            // The rule's own problems (an unknown mirror) are reported once, by the rule's policy.
            policies[b] = RulePolicy.Create(routeName, rule, _servicesByKey, [], rule.Backends[b]);
        }

        return policies;
    }

    private RouteMatcher CompileMatch(string routeName, RouteMatchConfig match)
    {
        PathMatcher? path = null;
        if (match.Path is { } p)
        {
            path = new PathMatcher(p, p.Type == PathMatchType.Regex ? GetRegex(routeName, p.Value) : null);
        }

        var headers = new HeaderMatcher[match.Headers.Count];
        for (var h = 0; h < headers.Length; h++)
        {
            var header = match.Headers[h];
            headers[h] = new HeaderMatcher(header, header.Type == HeaderMatchType.Regex ? GetRegex(routeName, header.Value) : null);
        }

        var queryParams = new QueryParamMatcher[match.QueryParams.Count];
        for (var q = 0; q < queryParams.Length; q++)
        {
            var param = match.QueryParams[q];
            queryParams[q] = new QueryParamMatcher(param, param.Type == HeaderMatchType.Regex ? GetRegex(routeName, param.Value) : null);
        }

        // Methods are compared case-sensitively; the config's are upper case, as Kestrel's are.
        return new RouteMatcher(path, headers, queryParams, match.Method?.ToUpperInvariant());
    }

    private Regex? GetRegex(string routeName, string pattern)
    {
        if (Regexes.TryGetValue(pattern, out var regex) || _previousRegexes.TryGetValue(pattern, out regex))
        {
            Regexes[pattern] = regex;
            return regex;
        }

        try
        {
            // Alone first: a pattern such as "a)|(b" would escape the anchoring group and match a prefix.
            _ = new Regex(pattern, RegexOptions.CultureInvariant);
            regex = RouteRegex.Create(pattern);
        }
        catch (ArgumentException ex)
        {
            Problems.Add($"route {routeName}: regex '{pattern}' is invalid and never matches: {ex.Message}");
            return null;
        }

        Regexes[pattern] = regex;
        return regex;
    }
}
