using System.Net;
using Linnet.Api.Policy;
using Linnet.Api.Validation;
using Proto = Linnet.Api.Destination.V1;

namespace Linnet.Proxy.Configuration;

/// <summary>The one conversion of the Destination API's messages into the proxy's config records, and so the
/// proxy's one validator of traffic policy: the control plane's stream and the config file (the YAML form of the
/// same messages, <see cref="ConfigFileLoader"/>) both come through here, with the same defaults (Linkerd's,
/// <see cref="PolicyDefaults"/>) and the same rules. What is unusable is reported with its field path: the stream
/// skips it and goes on (the control plane validated what it sent), the file is refused.</summary>
internal static class DestinationMapper
{
    /// <summary>The service as the proxy's config, or null (with the reason added to <paramref name="problems"/>)
    /// when it is unusable; each problem reads "service KEY: path: reason; what is done instead".</summary>
    public static ServiceConfig? ToServiceConfig(Proto.Service service, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(problems);
        var found = new List<ConfigProblem>();
        var config = Map(service, found);
        foreach (var problem in found)
        {
            problems.Add($"service {service.Key}: {problem}");
        }

        return config;
    }

    /// <summary>The service as the proxy's config, or null when it is unusable; every value that is unusable is
    /// added to <paramref name="problems"/> with its path inside the service.</summary>
    public static ServiceConfig? Map(Proto.Service service, List<ConfigProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(problems);
        if (service.Key.Length == 0 || service.Port is < 1 or > 65535)
        {
            problems.Add(new ConfigProblem(service.Key.Length == 0 ? "key" : "port", $"service '{service.Key}' with port {service.Port}: it needs a key and a port 1..65535", "the service is skipped"));
            return null;
        }

        var names = new List<string>(service.Names.Count);
        for (var n = 0; n < service.Names.Count; n++)
        {
            var name = service.Names[n];
            if (IsHostName(name))
            {
                names.Add(name);
            }
            else
            {
                problems.Add(new ConfigProblem($"names[{n}]", $"'{name}' is not a host name", "ignored"));
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
        var serviceLabels = DstLabels.Render(service.MetricLabels, labelProblems);
        var endpoints = new List<EndpointConfig>(service.Endpoints.Count);
        for (var e = 0; e < service.Endpoints.Count; e++)
        {
            var endpoint = service.Endpoints[e];
            var at = $"endpoints[{e}]";
            if (endpoint.Port is < 1 or > 65535 || !(IPAddress.TryParse(endpoint.Address, out _) || IsHostName(endpoint.Address)))
            {
                problems.Add(new ConfigProblem(at, $"'{endpoint.Address}' port {endpoint.Port} is not an address (an IP address or host name, and a port 1..65535)", "ignored"));
                continue;
            }

            var weight = endpoint.HasWeight ? endpoint.Weight : 1;
            if (weight < 0)
            {
                problems.Add(new ConfigProblem($"{at}.weight", $"{weight} is negative", "0 is used"));
            }

            string? identity = null;
            if (endpoint.Meshed && endpoint.Identity.Length > 0)
            {
                if (ConfigFileLoader.IsSpiffeId(endpoint.Identity))
                {
                    identity = endpoint.Identity;
                }
                else
                {
                    problems.Add(new ConfigProblem($"{at}.identity", $"'{endpoint.Identity}' is not spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>", "ignored"));
                    continue;
                }
            }

            endpoints.Add(new EndpointConfig(endpoint.Address, endpoint.Port, Math.Max(0, weight))
            {
                Identity = identity,
                // The endpoint's own labels win over its service's of the same name.
                MetricLabels = DstLabels.Render(service.MetricLabels.Where(l => !endpoint.MetricLabels.ContainsKey(l.Key)).Concat(endpoint.MetricLabels), labelProblems),
            });
        }

        if (endpoints.Count > 0 && endpoints.TrueForAll(e => e.Weight == 0))
        {
            problems.Add(new ConfigProblem("endpoints", "every weight is 0: no request could be balanced (weight 0 takes an endpoint out)", "its requests are answered 503"));
        }

        foreach (var problem in labelProblems.Distinct())
        {
            problems.Add(new ConfigProblem("metricLabels", problem, "left out"));
        }

        var routes = new List<RouteConfig>(service.Routes.Count);
        for (var r = 0; r < service.Routes.Count; r++)
        {
            routes.Add(ToRouteConfig($"routes[{r}]", service.Routes[r], problems));
        }

        var protocol = service.Protocol == Proto.Protocol.Opaque ? ServiceProtocol.Opaque : ServiceProtocol.Detect;
        int? localPort = null;
        if (service.LocalPort is >= 1 and <= 65535)
        {
            localPort = service.LocalPort;
        }
        else if (service.LocalPort != 0)
        {
            problems.Add(new ConfigProblem("localPort", $"{service.LocalPort} is out of range 1..65535", "no local port"));
        }

        return new ServiceConfig(primary, names, service.Port, protocol, localPort, endpoints)
        {
            Key = service.Key,
            Routes = routes,
            RetryBudget = ToRetryBudget(service.RetryBudget, problems),
            CircuitBreaker = ToCircuitBreaker(service.CircuitBreaker, problems),
            MetricLabels = serviceLabels,
        };
    }

    private static RetryBudgetConfig ToRetryBudget(Proto.RetryBudget? budget, List<ConfigProblem> problems)
    {
        if (budget is null)
        {
            return RetryBudgetConfig.Default;
        }

        if (budget.Ratio is < 0 or > 1000 || double.IsNaN(budget.Ratio) || budget.MinRetriesPerSecond < 0 || budget.TtlMs is 0 or > 3_600_000)
        {
            problems.Add(new ConfigProblem("retryBudget", $"ratio {budget.Ratio} (0..1000), minRetriesPerSecond {budget.MinRetriesPerSecond} (0 or more), ttlMs {budget.TtlMs} (1..3600000) is unusable", "the default is used"));
            return RetryBudgetConfig.Default;
        }

        return new RetryBudgetConfig(budget.Ratio, budget.MinRetriesPerSecond, TimeSpan.FromMilliseconds(budget.TtlMs));
    }

    private static CircuitBreakerConfig? ToCircuitBreaker(Proto.CircuitBreaker? breaker, List<ConfigProblem> problems)
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
            problems.Add(new ConfigProblem("circuitBreaker", $"consecutiveFailures {breaker.ConsecutiveFailures} (1 or more), minPenaltyMs {breaker.MinPenaltyMs}..maxPenaltyMs {breaker.MaxPenaltyMs} (1..86400000), jitterRatio {breaker.JitterRatio} (0..1) is unusable", "the default is used"));
            return CircuitBreakerConfig.Default;
        }

        return new CircuitBreakerConfig(breaker.ConsecutiveFailures, TimeSpan.FromMilliseconds(breaker.MinPenaltyMs), TimeSpan.FromMilliseconds(breaker.MaxPenaltyMs), breaker.JitterRatio);
    }

    private static RouteConfig ToRouteConfig(string where, Proto.Route route, List<ConfigProblem> problems)
    {
        var grpc = route.Kind == Proto.Route.Types.Kind.Grpc;
        var rules = new List<RouteRuleConfig>(route.Rules.Count);
        for (var r = 0; r < route.Rules.Count; r++)
        {
            var rule = route.Rules[r];
            var at = $"{where}.rules[{r}]";
            var matches = new List<RouteMatchConfig>(rule.Matches.Count);
            for (var m = 0; m < rule.Matches.Count; m++)
            {
                if (ToMatch(rule.Matches[m], $"{at}.matches[{m}]", problems) is { } match)
                {
                    matches.Add(match);
                }
            }

            if (rule.Matches.Count > 0 && matches.Count == 0)
            {
                // Every match was unusable: the rule must not turn into a catch-all.
                problems.Add(new ConfigProblem(at, "no usable match", "the rule is left out"));
                continue;
            }

            var backends = new List<RouteBackendConfig>(rule.Backends.Count);
            for (var b = 0; b < rule.Backends.Count; b++)
            {
                var backend = rule.Backends[b];
                var weight = backend.HasWeight ? backend.Weight : 1;
                if (weight < 0)
                {
                    problems.Add(new ConfigProblem($"{at}.backends[{b}].weight", $"{weight} is negative", "0 is used"));
                }

                backends.Add(new RouteBackendConfig(backend.ServiceKey, Math.Max(0, weight))
                {
                    RequestHeaders = ToHeaderModifier(backend.RequestHeaders, $"{at}.backends[{b}].requestHeaders", problems),
                    ResponseHeaders = ToHeaderModifier(backend.ResponseHeaders, $"{at}.backends[{b}].responseHeaders", problems),
                });
            }

            if (backends.Count > 0 && backends.TrueForAll(b => b.Weight == 0))
            {
                problems.Add(new ConfigProblem($"{at}.backends", "every weight is 0: no request could be routed", "its requests are answered 500"));
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
                RequestHeaders = ToHeaderModifier(rule.RequestHeaders, $"{at}.requestHeaders", problems),
                ResponseHeaders = ToHeaderModifier(rule.ResponseHeaders, $"{at}.responseHeaders", problems),
                Timeouts = ToTimeouts(rule.Timeouts, $"{at}.timeouts", problems),
                Fault = ToFault(rule.Fault, $"{at}.fault", problems),
                Retry = ToRetry(rule.Retry, grpc, $"{at}.retry", problems),
                Mirror = ToMirror(rule.Mirror, $"{at}.mirror", problems),
            });
        }

        var hostnames = new List<string>(route.Hostnames.Count);
        for (var h = 0; h < route.Hostnames.Count; h++)
        {
            var hostname = route.Hostnames[h];
            if (IsHostName(hostname.StartsWith("*.", StringComparison.Ordinal) ? hostname[2..] : hostname))
            {
                hostnames.Add(hostname);
            }
            else
            {
                problems.Add(new ConfigProblem($"{where}.hostnames[{h}]", $"'{hostname}' is not a host name", "it never matches"));
            }
        }

        if (route.Hostnames.Count > 0 && hostnames.Count == 0)
        {
            // Every hostname was unusable: the route must not apply to every host.
            problems.Add(new ConfigProblem($"{where}.hostnames", "no usable hostname", "the route is left out"));
            rules.Clear();
        }

        return new RouteConfig(route.Name, rules) { Kind = grpc ? RouteConfig.GrpcKind : RouteConfig.HttpKind, Hostnames = hostnames };
    }

    private static bool TryFilters(Proto.RouteRule rule, string at, List<ConfigProblem> problems, out RewriteConfig? rewrite, out RedirectConfig? redirect)
    {
        rewrite = null;
        redirect = null;
        if (rule.Rewrite is { } rw)
        {
            if (!TryPathModifier(rw.Path, $"{at}.rewrite.path", problems, out var path) || (rw.Hostname.Length > 0 && !IsHostName(rw.Hostname)))
            {
                problems.Add(new ConfigProblem($"{at}.rewrite", $"hostname '{rw.Hostname}' or path is unusable", "the rule is left out"));
                return false;
            }

            rewrite = new RewriteConfig(rw.Hostname.Length > 0 ? rw.Hostname : null, path);
        }

        if (rule.Redirect is { } rd)
        {
            if (!TryPathModifier(rd.Path, $"{at}.redirect.path", problems, out var path)
                || rd.StatusCode is not (301 or 302 or 303 or 307 or 308)
                || rd.Scheme is not ("" or "http" or "https")
                || rd.Port is < 0 or > 65535
                || (rd.Hostname.Length > 0 && !IsHostName(rd.Hostname)))
            {
                problems.Add(new ConfigProblem($"{at}.redirect", $"status {rd.StatusCode} (301, 302, 303, 307 or 308), scheme '{rd.Scheme}', hostname '{rd.Hostname}', port {rd.Port} is unusable", "the rule is left out"));
                return false;
            }

            redirect = new RedirectConfig(rd.Scheme.Length > 0 ? rd.Scheme : null, rd.Hostname.Length > 0 ? rd.Hostname : null, path, rd.Port > 0 ? rd.Port : null, rd.StatusCode);
        }

        return true;
    }

    private static bool TryPathModifier(Proto.PathModifier? modifier, string at, List<ConfigProblem> problems, out PathModifierConfig? path)
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
            problems.Add(new ConfigProblem(at, $"{modifier.Type} '{modifier.Value}' is unusable", "the rule is left out"));
            return false;
        }

        path = new PathModifierConfig(type.Value, modifier.Value);
        return true;
    }

    private static RouteMatchConfig? ToMatch(Proto.RouteMatch match, string at, List<ConfigProblem> problems)
    {
        PathMatchConfig? path = null;
        if (match.Path is { } p)
        {
            var type = p.Type switch
            {
                Proto.PathMatch.Types.Type.Exact => PathMatchType.Exact,
                Proto.PathMatch.Types.Type.Regex => PathMatchType.Regex,
                _ => PathMatchType.Prefix,
            };
            var problem = type == PathMatchType.Regex ? RoutePattern.Check(p.Value) : p.Value.StartsWith('/') ? null : $"'{p.Value}' must start with '/'";
            if (problem is not null)
            {
                problems.Add(new ConfigProblem($"{at}.path.value", problem, "the match is left out"));
                return null;
            }

            path = new PathMatchConfig(type, p.Value);
        }

        var headers = new List<HeaderMatchConfig>(match.Headers.Count);
        for (var h = 0; h < match.Headers.Count; h++)
        {
            var header = match.Headers[h];
            if (!HttpSyntax.IsToken(header.Name))
            {
                problems.Add(new ConfigProblem($"{at}.headers[{h}].name", $"'{header.Name}' is not a header name", "the match is left out"));
                return null;
            }

            var type = header.Type == Proto.HeaderMatch.Types.Type.Regex ? HeaderMatchType.Regex : HeaderMatchType.Exact;
            if (type == HeaderMatchType.Regex && RoutePattern.Check(header.Value) is { } problem)
            {
                problems.Add(new ConfigProblem($"{at}.headers[{h}].value", problem, "the match is left out"));
                return null;
            }

            headers.Add(new HeaderMatchConfig(type, header.Name, header.Value));
        }

        var queryParams = new List<QueryParamMatchConfig>(match.QueryParams.Count);
        for (var q = 0; q < match.QueryParams.Count; q++)
        {
            var query = match.QueryParams[q];
            if (query.Name.Length == 0)
            {
                problems.Add(new ConfigProblem($"{at}.queryParams[{q}].name", "a query parameter match needs a name", "the match is left out"));
                return null;
            }

            var type = query.Type == Proto.QueryParamMatch.Types.Type.Regex ? HeaderMatchType.Regex : HeaderMatchType.Exact;
            if (type == HeaderMatchType.Regex && RoutePattern.Check(query.Value) is { } problem)
            {
                problems.Add(new ConfigProblem($"{at}.queryParams[{q}].value", problem, "the match is left out"));
                return null;
            }

            queryParams.Add(new QueryParamMatchConfig(type, query.Name, query.Value));
        }

        string? method = null;
        if (match.Method.Length > 0)
        {
            if (!HttpSyntax.IsToken(match.Method))
            {
                problems.Add(new ConfigProblem($"{at}.method", $"'{match.Method}' is not a method", "the match is left out"));
                return null;
            }

            method = match.Method.ToUpperInvariant();
        }

        return new RouteMatchConfig(path, headers) { QueryParams = queryParams, Method = method };
    }

    private static HeaderModifierConfig? ToHeaderModifier(Proto.RouteHeaderModifier? modifier, string at, List<ConfigProblem> problems)
    {
        if (modifier is null)
        {
            return null;
        }

        var set = HeaderValues(modifier.Set, $"{at}.set", problems);
        var add = HeaderValues(modifier.Add, $"{at}.add", problems);
        var remove = new List<string>(modifier.Remove.Count);
        for (var i = 0; i < modifier.Remove.Count; i++)
        {
            var name = modifier.Remove[i];
            if (HttpSyntax.IsToken(name))
            {
                remove.Add(name);
            }
            else
            {
                problems.Add(new ConfigProblem($"{at}.remove[{i}]", $"'{name}' is not a header name", "ignored"));
            }
        }

        return new HeaderModifierConfig(set, add, remove);
    }

    private static List<HeaderValueConfig> HeaderValues(Google.Protobuf.Collections.RepeatedField<Proto.RouteHeaderValue> values, string at, List<ConfigProblem> problems)
    {
        var result = new List<HeaderValueConfig>();
        for (var i = 0; i < values.Count; i++)
        {
            var h = values[i];
            if (HttpSyntax.IsToken(h.Name) && HttpSyntax.IsHeaderValue(h.Value))
            {
                result.Add(new HeaderValueConfig(h.Name, h.Value));
            }
            else
            {
                problems.Add(new ConfigProblem($"{at}[{i}]", $"header '{h.Name}' has an invalid name or value", "ignored"));
            }
        }

        return result;
    }

    private static RouteTimeoutsConfig? ToTimeouts(Proto.RouteTimeouts? timeouts, string at, List<ConfigProblem> problems)
    {
        // 0 is "not set" in proto3: no timeout, as "0s" is in a manifest (GEP-2257).
        if (timeouts is null || (timeouts.RequestMs == 0 && timeouts.BackendRequestMs == 0 && timeouts.IdleMs == 0))
        {
            return null;
        }

        if (timeouts.RequestMs > 0 && timeouts.BackendRequestMs > timeouts.RequestMs)
        {
            problems.Add(new ConfigProblem($"{at}.backendRequestMs", $"{timeouts.BackendRequestMs} is longer than requestMs {timeouts.RequestMs}", "the request timeout bounds it"));
        }

        return new RouteTimeoutsConfig(Duration(timeouts.RequestMs), Duration(timeouts.BackendRequestMs), Duration(timeouts.IdleMs));
    }

    private static FaultConfig? ToFault(Proto.RouteFault? fault, string at, List<ConfigProblem> problems)
    {
        if (fault is null)
        {
            return null;
        }

        FaultAbortConfig? abort = null;
        if (fault.Abort is { } a)
        {
            // 0 is "not set" (proto3): grpc_status 0 is not OK but none, and an abort without http_status answers
            // HTTP requests with the control plane's default.
            var httpStatus = a.HttpStatus == 0 ? PolicyDefaults.AbortHttpStatus : a.HttpStatus;
            var percent = a.HasPercent ? a.Percent : 100;
            if (httpStatus is >= 200 and <= 599 && (a.GrpcStatus == 0 || GrpcStatusCodes.IsFailure(a.GrpcStatus)) && IsPercent(percent))
            {
                abort = new FaultAbortConfig(httpStatus, a.GrpcStatus == 0 ? null : a.GrpcStatus, percent);
            }
            else
            {
                problems.Add(new ConfigProblem($"{at}.abort", $"httpStatus {a.HttpStatus} (200..599), grpcStatus {a.GrpcStatus} (1..{GrpcStatusCodes.Max}), percent {percent} (0..100) is unusable", "no abort"));
            }
        }

        FaultDelayConfig? delay = null;
        if (fault.Delay is { } d)
        {
            var percent = d.HasPercent ? d.Percent : 100;
            if (d.DelayMs <= 86_400_000 && IsPercent(percent))
            {
                delay = new FaultDelayConfig(TimeSpan.FromMilliseconds(d.DelayMs), percent);
            }
            else
            {
                problems.Add(new ConfigProblem($"{at}.delay", $"delayMs {d.DelayMs} (0..86400000), percent {percent} (0..100) is unusable", "no delay"));
            }
        }

        return abort is null && delay is null ? null : new FaultConfig(abort, delay);
    }

    private static RetryConfig? ToRetry(Proto.RouteRetry? retry, bool grpc, string at, List<ConfigProblem> problems)
    {
        if (retry is null)
        {
            return null;
        }

        if (retry.Limit < 0 || retry.MaxBodyBytes < 0)
        {
            problems.Add(new ConfigProblem(at, $"limit {retry.Limit} or maxBodyBytes {retry.MaxBodyBytes} is negative", "no retries"));
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
                    problems.Add(new ConfigProblem($"{at}.on", $"condition {condition} is unknown", "ignored"));
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
                problems.Add(new ConfigProblem($"{at}.statusCodes", $"{code} is not an HTTP status 100..599", "ignored"));
            }
        }

        IReadOnlyList<int> grpcCodes = [];
        var codes = new List<int>(retry.GrpcCodes.Count);
        foreach (var code in retry.GrpcCodes)
        {
            if (GrpcStatusCodes.IsFailure(code))
            {
                codes.Add(code);
            }
            else
            {
                problems.Add(new ConfigProblem($"{at}.grpcCodes", $"{code} is not a gRPC failure code 1..{GrpcStatusCodes.Max}", "ignored"));
            }
        }

        grpcCodes = codes;
        if (PolicyDefaults.RetryConditionsUnspecified(retry.On.Count, retry.StatusCodes.Count, retry.GrpcCodes.Count))
        {
            // Linkerd's defaults for a retry that names no condition, as the control plane gives them.
            on = grpc ? RetryConditions.None : RetryConditions.ServerError;
            grpcCodes = grpc ? PolicyDefaults.RetryGrpcCodes : [];
        }

        return new RetryConfig(retry.HasLimit ? retry.Limit : PolicyDefaults.RetryLimit, on, statusCodes, grpcCodes)
        {
            RetryNonIdempotent = retry.RetryNonIdempotent,
            MaxBodyBytes = retry.HasMaxBodyBytes ? retry.MaxBodyBytes : PolicyDefaults.RetryMaxBodyBytes,
        };
    }

    private static MirrorConfig? ToMirror(Proto.RouteMirror? mirror, string at, List<ConfigProblem> problems)
    {
        if (mirror is null)
        {
            return null;
        }

        var percent = mirror.HasPercent ? mirror.Percent : 100;
        if (mirror.ServiceKey.Length == 0 || !IsPercent(percent))
        {
            problems.Add(new ConfigProblem(at, $"serviceKey '{mirror.ServiceKey}' (required), percent {percent} (0..100) is unusable", "no mirror"));
            return null;
        }

        return new MirrorConfig(mirror.ServiceKey, percent);
    }

    private static bool IsPercent(double value) => value is >= 0 and <= 100;

    private static TimeSpan? Duration(ulong ms) => ms == 0 ? null : TimeSpan.FromMilliseconds(Math.Min(ms, 86_400_000UL * 365));

    /// <summary>A DNS host name or IPv4 address, as a service's names and an endpoint's host must be.</summary>
    public static bool IsHostName(string name) =>
        name.Length is > 0 and <= 253 && Uri.CheckHostName(name) is UriHostNameType.Dns or UriHostNameType.IPv4;
}
