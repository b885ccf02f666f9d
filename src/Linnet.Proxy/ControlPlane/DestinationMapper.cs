using System.Net;
using Linnet.Api.Policy;
using Linnet.Api.Validation;
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

        var labelProblems = new List<string>();
        var serviceLabels = Telemetry.DstLabels.Render(service.MetricLabels, labelProblems);
        var endpoints = new List<EndpointConfig>(service.Endpoints.Count);
        foreach (var endpoint in service.Endpoints)
        {
            if (endpoint.Port is >= 1 and <= 65535 && (IPAddress.TryParse(endpoint.Address, out _) || IsHostName(endpoint.Address)))
            {
                endpoints.Add(new EndpointConfig(endpoint.Address, endpoint.Port, Math.Max(0, endpoint.Weight))
                {
                    Identity = endpoint.Meshed && endpoint.Identity.Length > 0 ? endpoint.Identity : null,
                    // The endpoint's own labels win over its service's of the same name.
                    MetricLabels = Telemetry.DstLabels.Render(service.MetricLabels.Where(l => !endpoint.MetricLabels.ContainsKey(l.Key)).Concat(endpoint.MetricLabels), labelProblems),
                });
            }
            else
            {
                problems.Add($"service {service.Key}: endpoint '{endpoint.Address}' port {endpoint.Port} is not an address; ignored");
            }
        }

        foreach (var problem in labelProblems.Distinct())
        {
            problems.Add($"service {service.Key}: {problem}");
        }

        var routes = new List<RouteConfig>(service.Routes.Count);
        foreach (var route in service.Routes)
        {
            routes.Add(ToRouteConfig(service.Key, route, problems));
        }

        var protocol = service.Protocol == Proto.Protocol.Opaque ? ServiceProtocol.Opaque : ServiceProtocol.Detect;
        int? localPort = service.LocalPort is >= 1 and <= 65535 ? service.LocalPort : null;
        return new ServiceConfig(primary, names, service.Port, protocol, localPort, endpoints)
        {
            Key = service.Key,
            Routes = routes,
            RetryBudget = ToRetryBudget(service.Key, service.RetryBudget, problems),
            CircuitBreaker = ToCircuitBreaker(service.Key, service.CircuitBreaker, problems),
            MetricLabels = serviceLabels,
        };
    }

    private static RetryBudgetConfig ToRetryBudget(string key, Proto.RetryBudget? budget, List<string> problems)
    {
        if (budget is null)
        {
            return RetryBudgetConfig.Default;
        }

        if (budget.Ratio is < 0 or > 1000 || double.IsNaN(budget.Ratio) || budget.MinRetriesPerSecond < 0 || budget.TtlMs is 0 or > 3_600_000)
        {
            problems.Add($"service {key}: retry budget (ratio {budget.Ratio}, {budget.MinRetriesPerSecond}/s, ttl {budget.TtlMs} ms) is unusable; the default is used");
            return RetryBudgetConfig.Default;
        }

        return new RetryBudgetConfig(budget.Ratio, budget.MinRetriesPerSecond, TimeSpan.FromMilliseconds(budget.TtlMs));
    }

    private static CircuitBreakerConfig? ToCircuitBreaker(string key, Proto.CircuitBreaker? breaker, List<string> problems)
    {
        if (breaker is null)
        {
            return CircuitBreakerConfig.Default;
        }

        if (breaker.Disabled)
        {
            return null;
        }

        if (breaker.ConsecutiveFailures < 1 || breaker.MinPenaltyMs == 0 || breaker.MaxPenaltyMs < breaker.MinPenaltyMs
            || breaker.MaxPenaltyMs > 86_400_000 || breaker.JitterRatio is < 0 or > 1 || double.IsNaN(breaker.JitterRatio))
        {
            problems.Add($"service {key}: circuit breaker ({breaker.ConsecutiveFailures} failures, {breaker.MinPenaltyMs}..{breaker.MaxPenaltyMs} ms, jitter {breaker.JitterRatio}) is unusable; the default is used");
            return CircuitBreakerConfig.Default;
        }

        return new CircuitBreakerConfig(breaker.ConsecutiveFailures, TimeSpan.FromMilliseconds(breaker.MinPenaltyMs), TimeSpan.FromMilliseconds(breaker.MaxPenaltyMs), breaker.JitterRatio);
    }

    private static RouteConfig ToRouteConfig(string serviceKey, Proto.Route route, List<string> problems)
    {
        var where = $"service {serviceKey}, route {route.Name}";
        var rules = new List<RouteRuleConfig>(route.Rules.Count);
        for (var r = 0; r < route.Rules.Count; r++)
        {
            var rule = route.Rules[r];
            var at = $"{where}, rule {r}";
            var matches = new List<RouteMatchConfig>(rule.Matches.Count);
            foreach (var match in rule.Matches)
            {
                if (ToMatch(match, at, problems) is { } m)
                {
                    matches.Add(m);
                }
            }

            if (rule.Matches.Count > 0 && matches.Count == 0)
            {
                // Every match was unusable: the rule must not turn into a catch-all.
                problems.Add($"{at}: no usable match; the rule is left out");
                continue;
            }

            var backends = new List<RouteBackendConfig>(rule.Backends.Count);
            foreach (var backend in rule.Backends)
            {
                backends.Add(new RouteBackendConfig(backend.ServiceKey, Math.Max(0, backend.Weight))
                {
                    RequestHeaders = ToHeaderModifier(backend.RequestHeaders, $"{at}, backend {backend.ServiceKey}, request headers", problems),
                    ResponseHeaders = ToHeaderModifier(backend.ResponseHeaders, $"{at}, backend {backend.ServiceKey}, response headers", problems),
                });
            }

            if (!TryFilters(rule, at, problems, out var rewrite, out var redirect))
            {
                // A redirect or rewrite the proxy cannot honour must not turn into plain forwarding.
                continue;
            }

            rules.Add(new RouteRuleConfig(matches, backends)
            {
                Rewrite = rewrite,
                Redirect = redirect,
                RequestHeaders = ToHeaderModifier(rule.RequestHeaders, $"{at}, request headers", problems),
                ResponseHeaders = ToHeaderModifier(rule.ResponseHeaders, $"{at}, response headers", problems),
                Timeouts = ToTimeouts(rule.Timeouts),
                Fault = ToFault(rule.Fault, at, problems),
                Retry = ToRetry(rule.Retry, at, problems),
                Mirror = ToMirror(rule.Mirror, at, problems),
            });
        }

        var hostnames = new List<string>(route.Hostnames.Count);
        foreach (var hostname in route.Hostnames)
        {
            if (IsHostName(hostname.StartsWith("*.", StringComparison.Ordinal) ? hostname[2..] : hostname))
            {
                hostnames.Add(hostname);
            }
            else
            {
                problems.Add($"{where}: hostname '{hostname}' is not a host name; it never matches");
            }
        }

        if (route.Hostnames.Count > 0 && hostnames.Count == 0)
        {
            // Every hostname was unusable: the route must not apply to every host.
            problems.Add($"{where}: no usable hostname; the route is left out");
            rules.Clear();
        }

        return new RouteConfig(route.Name, rules) { Kind = route.Kind == Proto.Route.Types.Kind.Grpc ? RouteConfig.GrpcKind : RouteConfig.HttpKind, Hostnames = hostnames };
    }

    private static bool TryFilters(Proto.RouteRule rule, string at, List<string> problems, out RewriteConfig? rewrite, out RedirectConfig? redirect)
    {
        rewrite = null;
        redirect = null;
        if (rule.Rewrite is { } rw)
        {
            if (!TryPathModifier(rw.Path, $"{at}, rewrite", problems, out var path) || (rw.Hostname.Length > 0 && !IsHostName(rw.Hostname)))
            {
                problems.Add($"{at}: rewrite is unusable; the rule is left out");
                return false;
            }

            rewrite = new RewriteConfig(rw.Hostname.Length > 0 ? rw.Hostname : null, path);
        }

        if (rule.Redirect is { } rd)
        {
            if (!TryPathModifier(rd.Path, $"{at}, redirect", problems, out var path)
                || rd.StatusCode is not (301 or 302 or 303 or 307 or 308)
                || rd.Scheme is not ("" or "http" or "https")
                || rd.Port is < 0 or > 65535
                || (rd.Hostname.Length > 0 && !IsHostName(rd.Hostname)))
            {
                problems.Add($"{at}: redirect ({rd.StatusCode}, '{rd.Scheme}', '{rd.Hostname}', {rd.Port}) is unusable; the rule is left out");
                return false;
            }

            redirect = new RedirectConfig(rd.Scheme.Length > 0 ? rd.Scheme : null, rd.Hostname.Length > 0 ? rd.Hostname : null, path, rd.Port > 0 ? rd.Port : null, rd.StatusCode);
        }

        return true;
    }

    private static bool TryPathModifier(Proto.PathModifier? modifier, string at, List<string> problems, out PathModifierConfig? path)
    {
        path = null;
        if (modifier is null)
        {
            return true;
        }

        PathModifierType? type = modifier.Type switch
        {
            Proto.PathModifier.Types.Type.ReplaceFullPath => PathModifierType.ReplaceFullPath,
            Proto.PathModifier.Types.Type.ReplacePrefixMatch => PathModifierType.ReplacePrefixMatch,
            _ => null,
        };
        if (type is null || (modifier.Type == Proto.PathModifier.Types.Type.ReplaceFullPath && !modifier.Value.StartsWith('/')))
        {
            problems.Add($"{at}: path modifier {modifier.Type} '{modifier.Value}' is unusable");
            return false;
        }

        path = new PathModifierConfig(type.Value, modifier.Value);
        return true;
    }

    private static RouteMatchConfig? ToMatch(Proto.RouteMatch match, string at, List<string> problems)
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
            if (!HttpSyntax.IsToken(header.Name))
            {
                problems.Add($"{at}: header match on '{header.Name}', which is not a header name; the match is left out");
                return null;
            }

            var type = header.Type == Proto.HeaderMatch.Types.Type.Regex ? HeaderMatchType.Regex : HeaderMatchType.Exact;
            headers.Add(new HeaderMatchConfig(type, header.Name, header.Value));
        }

        var queryParams = new List<QueryParamMatchConfig>(match.QueryParams.Count);
        foreach (var query in match.QueryParams)
        {
            if (query.Name.Length == 0)
            {
                problems.Add($"{at}: query parameter match without a name; the match is left out");
                return null;
            }

            var type = query.Type == Proto.QueryParamMatch.Types.Type.Regex ? HeaderMatchType.Regex : HeaderMatchType.Exact;
            queryParams.Add(new QueryParamMatchConfig(type, query.Name, query.Value));
        }

        string? method = null;
        if (match.Method.Length > 0)
        {
            if (!HttpSyntax.IsToken(match.Method))
            {
                problems.Add($"{at}: method '{match.Method}' is not a method; the match is left out");
                return null;
            }

            method = match.Method.ToUpperInvariant();
        }

        return new RouteMatchConfig(path, headers) { QueryParams = queryParams, Method = method };
    }

    private static HeaderModifierConfig? ToHeaderModifier(Proto.RouteHeaderModifier? modifier, string at, List<string> problems)
    {
        if (modifier is null)
        {
            return null;
        }

        var set = HeaderValues(modifier.Set, at, problems);
        var add = HeaderValues(modifier.Add, at, problems);
        var remove = new List<string>(modifier.Remove.Count);
        foreach (var name in modifier.Remove)
        {
            if (HttpSyntax.IsToken(name))
            {
                remove.Add(name);
            }
            else
            {
                problems.Add($"{at}: cannot remove '{name}', which is not a header name; ignored");
            }
        }

        return new HeaderModifierConfig(set, add, remove);
    }

    private static List<HeaderValueConfig> HeaderValues(IEnumerable<Proto.RouteHeaderValue> values, string at, List<string> problems)
    {
        var result = new List<HeaderValueConfig>();
        foreach (var h in values)
        {
            if (HttpSyntax.IsToken(h.Name) && HttpSyntax.IsHeaderValue(h.Value))
            {
                result.Add(new HeaderValueConfig(h.Name, h.Value));
            }
            else
            {
                problems.Add($"{at}: header '{h.Name}' has an invalid name or value; ignored");
            }
        }

        return result;
    }

    private static RouteTimeoutsConfig? ToTimeouts(Proto.RouteTimeouts? timeouts)
    {
        if (timeouts is null || (timeouts.RequestMs == 0 && timeouts.BackendRequestMs == 0 && timeouts.IdleMs == 0))
        {
            return null;
        }

        return new RouteTimeoutsConfig(Duration(timeouts.RequestMs), Duration(timeouts.BackendRequestMs), Duration(timeouts.IdleMs));
    }

    private static FaultConfig? ToFault(Proto.RouteFault? fault, string at, List<string> problems)
    {
        if (fault is null)
        {
            return null;
        }

        FaultAbortConfig? abort = null;
        if (fault.Abort is { } a)
        {
            // grpc_status 0 is the message's "not set" (proto3), not OK.
            if (a.HttpStatus is >= 200 and <= 599 && (a.GrpcStatus == 0 || GrpcStatusCodes.IsFailure(a.GrpcStatus)) && IsPercent(a.Percent))
            {
                abort = new FaultAbortConfig(a.HttpStatus, a.GrpcStatus == 0 ? null : a.GrpcStatus, a.Percent);
            }
            else
            {
                problems.Add($"{at}: fault abort (status {a.HttpStatus}, grpc-status {a.GrpcStatus}, {a.Percent}%) is unusable; no abort");
            }
        }

        FaultDelayConfig? delay = null;
        if (fault.Delay is { } d)
        {
            if (d.DelayMs <= 86_400_000 && IsPercent(d.Percent))
            {
                delay = new FaultDelayConfig(TimeSpan.FromMilliseconds(d.DelayMs), d.Percent);
            }
            else
            {
                problems.Add($"{at}: fault delay ({d.DelayMs} ms, {d.Percent}%) is unusable; no delay");
            }
        }

        return abort is null && delay is null ? null : new FaultConfig(abort, delay);
    }

    private static RetryConfig? ToRetry(Proto.RouteRetry? retry, string at, List<string> problems)
    {
        if (retry is null)
        {
            return null;
        }

        if (retry.Limit < 0 || retry.MaxBodyBytes < 0)
        {
            problems.Add($"{at}: retry limit {retry.Limit} or body limit {retry.MaxBodyBytes} is negative; no retries");
            return null;
        }

        var on = RetryConditions.None;
        foreach (var condition in retry.On)
        {
            switch (condition)
            {
                case Proto.RouteRetry.Types.Condition.ServerError:
                    on |= RetryConditions.ServerError;
                    break;
                case Proto.RouteRetry.Types.Condition.GatewayError:
                    on |= RetryConditions.GatewayError;
                    break;
                case Proto.RouteRetry.Types.Condition.ConnectFailure:
                    on |= RetryConditions.ConnectFailure;
                    break;
                default:
                    problems.Add($"{at}: retry condition {condition} is unknown; ignored");
                    break;
            }
        }

        var statusCodes = new List<int>(retry.StatusCodes.Count);
        foreach (var code in retry.StatusCodes)
        {
            if (code is >= 100 and <= 599)
            {
                statusCodes.Add(code);
            }
            else
            {
                problems.Add($"{at}: retry status {code} is not an HTTP status; ignored");
            }
        }

        var grpcCodes = new List<int>(retry.GrpcCodes.Count);
        foreach (var code in retry.GrpcCodes)
        {
            if (GrpcStatusCodes.IsFailure(code))
            {
                grpcCodes.Add(code);
            }
            else
            {
                problems.Add($"{at}: retry gRPC code {code} is not a failure code; ignored");
            }
        }

        return new RetryConfig(retry.Limit, on, statusCodes, grpcCodes) { RetryNonIdempotent = retry.RetryNonIdempotent, MaxBodyBytes = retry.MaxBodyBytes };
    }

    private static MirrorConfig? ToMirror(Proto.RouteMirror? mirror, string at, List<string> problems)
    {
        if (mirror is null)
        {
            return null;
        }

        if (mirror.ServiceKey.Length == 0 || !IsPercent(mirror.Percent))
        {
            problems.Add($"{at}: mirror to '{mirror.ServiceKey}' at {mirror.Percent}% is unusable; no mirror");
            return null;
        }

        return new MirrorConfig(mirror.ServiceKey, mirror.Percent);
    }

    private static bool IsPercent(double value) => value is >= 0 and <= 100;

    private static TimeSpan? Duration(ulong ms) => ms == 0 ? null : TimeSpan.FromMilliseconds(Math.Min(ms, 86_400_000UL * 365));

    private static bool IsHostName(string name) =>
        name.Length is > 0 and <= 253 && Uri.CheckHostName(name) is UriHostNameType.Dns or UriHostNameType.IPv4;
}
