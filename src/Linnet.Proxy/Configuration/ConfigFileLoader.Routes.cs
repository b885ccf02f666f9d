using System.Globalization;
using Linnet.Api.Policy;
using Linnet.Api.Validation;
using Linnet.Api.Yaml;

namespace Linnet.Proxy.Configuration;

/// <summary>A service's <c>routes</c>, <c>retryBudget</c> and <c>circuitBreaker</c> in the config file: the
/// same features the control plane sends, in the shape of the proxy's records (see docs/proxy-config.md).</summary>
internal static partial class ConfigFileLoader
{
    private static List<RouteConfig> ParseRoutes(YamlMap service, List<(string Path, string Key)> refs)
    {
        var routes = new List<RouteConfig>();
        var items = service.Sequence("routes");
        for (var i = 0; i < items.Count; i++)
        {
            var route = service.Item(items[i], "routes", i);
            var name = route.Text("name") ?? $"route-{i}";
            var kind = route.Text("kind") ?? RouteConfig.HttpKind;
            if (kind is not (RouteConfig.HttpKind or RouteConfig.GrpcKind))
            {
                route.Error("kind", $"'{kind}' is not one of: {RouteConfig.HttpKind}, {RouteConfig.GrpcKind}");
            }

            var rules = new List<RouteRuleConfig>();
            var ruleItems = route.Sequence("rules");
            for (var r = 0; r < ruleItems.Count; r++)
            {
                rules.Add(ParseRule(route.Item(ruleItems[r], "rules", r), kind == RouteConfig.GrpcKind, refs));
            }

            route.RejectUnknown();
            routes.Add(new RouteConfig(name, rules) { Kind = kind });
        }

        return routes;
    }

    private static RouteRuleConfig ParseRule(YamlMap rule, bool grpc, List<(string Path, string Key)> refs)
    {
        var matches = new List<RouteMatchConfig>();
        var matchItems = rule.Sequence("matches");
        for (var m = 0; m < matchItems.Count; m++)
        {
            matches.Add(ParseMatch(rule.Item(matchItems[m], "matches", m)));
        }

        var backends = new List<RouteBackendConfig>();
        var backendItems = rule.Sequence("backends");
        for (var b = 0; b < backendItems.Count; b++)
        {
            var item = rule.Item(backendItems[b], "backends", b);
            var key = item.Text("service", required: true);
            var weight = item.Number("weight", 0, 1_000_000) ?? 1;
            var requestHeaders = ParseHeaderModifier(item.Map("requestHeaders"));
            var responseHeaders = ParseHeaderModifier(item.Map("responseHeaders"));
            item.RejectUnknown();
            if (key is not null)
            {
                refs.Add((item.Child("service"), key));
                backends.Add(new RouteBackendConfig(key, weight) { RequestHeaders = requestHeaders, ResponseHeaders = responseHeaders });
            }
        }

        if (backends.Count > 0 && backends.TrueForAll(b => b.Weight == 0))
        {
            rule.Error("backends", "every weight is 0: no request could be routed");
        }

        var config = new RouteRuleConfig(matches, backends)
        {
            RequestHeaders = ParseHeaderModifier(rule.Map("requestHeaders")),
            ResponseHeaders = ParseHeaderModifier(rule.Map("responseHeaders")),
            Timeouts = ParseTimeouts(rule.Map("timeouts")),
            Fault = ParseFault(rule.Map("fault")),
            Retry = ParseRetry(rule.Map("retry"), grpc),
            Mirror = ParseMirror(rule.Map("mirror"), refs),
        };
        rule.RejectUnknown();
        return config;
    }

    private static RouteMatchConfig ParseMatch(YamlMap match)
    {
        PathMatchConfig? path = null;
        var pathMap = match.Map("path");
        if (pathMap.Exists)
        {
            var type = pathMap.Text("type") ?? "PathPrefix";
            var value = pathMap.Text("value") ?? "/";
            RouteRules.CheckPathMatch(pathMap, type, value);
            pathMap.RejectUnknown();
            var parsed = type switch
            {
                "Exact" => PathMatchType.Exact,
                "RegularExpression" => PathMatchType.Regex,
                _ => PathMatchType.Prefix,
            };
            path = new PathMatchConfig(parsed, value);
        }

        var headers = new List<HeaderMatchConfig>();
        var headerItems = match.Sequence("headers");
        for (var h = 0; h < headerItems.Count; h++)
        {
            var item = match.Item(headerItems[h], "headers", h);
            var (type, name, value) = ParseValueMatch(item);
            RouteRules.CheckHeaderName(item, "name", name, "");

            if (name is not null && value is not null)
            {
                headers.Add(new HeaderMatchConfig(type, name, value));
            }
        }

        var queryParams = new List<QueryParamMatchConfig>();
        var queryItems = match.Sequence("queryParams");
        for (var q = 0; q < queryItems.Count; q++)
        {
            var (type, name, value) = ParseValueMatch(match.Item(queryItems[q], "queryParams", q));
            if (name is not null && value is not null)
            {
                queryParams.Add(new QueryParamMatchConfig(type, name, value));
            }
        }

        var method = RouteRules.Method(match);
        match.RejectUnknown();
        return new RouteMatchConfig(path, headers) { QueryParams = queryParams, Method = method };
    }

    private static (HeaderMatchType Type, string? Name, string? Value) ParseValueMatch(YamlMap item)
    {
        var typeText = item.Text("type") ?? "Exact";
        var name = item.Text("name", required: true);
        var value = item.Text("value", required: true);
        var type = RouteRules.CheckValueMatch(item, typeText, value) ? HeaderMatchType.Regex : HeaderMatchType.Exact;
        if (name is { Length: 0 })
        {
            item.Error("name", "must not be empty");
        }

        item.RejectUnknown();
        return (type, name, value);
    }

    private static HeaderModifierConfig? ParseHeaderModifier(YamlMap map)
    {
        if (!map.Exists)
        {
            return null;
        }

        var set = RouteRules.HeaderValues(map, "set", "", distinct: false).ConvertAll(h => new HeaderValueConfig(h.Key, h.Value));
        var add = RouteRules.HeaderValues(map, "add", "", distinct: false).ConvertAll(h => new HeaderValueConfig(h.Key, h.Value));
        var remove = RouteRules.HeaderNames(map, "remove", "", distinct: false);
        map.RejectUnknown();
        return new HeaderModifierConfig(set, add, remove);
    }

    private static RouteTimeoutsConfig? ParseTimeouts(YamlMap map)
    {
        if (!map.Exists)
        {
            return null;
        }

        var (request, backendRequest) = RouteRules.Timeouts(map);
        var idle = map.Duration("idle");
        map.RejectUnknown();
        return request is null && backendRequest is null && idle is null ? null : new RouteTimeoutsConfig(request, backendRequest, idle);
    }

    private static FaultConfig? ParseFault(YamlMap map)
    {
        if (!map.Exists)
        {
            return null;
        }

        FaultAbortConfig? abort = null;
        var abortMap = map.Map("abort");
        if (abortMap.Exists)
        {
            var http = abortMap.Number("httpStatus", 200, 599);
            var grpc = RouteRules.GrpcStatus(abortMap, "grpcStatus");
            if (abortMap.Node("httpStatus") is null && abortMap.Node("grpcStatus") is null)
            {
                map.Error("abort", "needs httpStatus, grpcStatus or both");
            }

            abort = new FaultAbortConfig(http ?? PolicyDefaults.AbortHttpStatus, grpc, RouteRules.Percent(abortMap, "percent") ?? 100);
            abortMap.RejectUnknown();
        }

        FaultDelayConfig? delay = null;
        var delayMap = map.Map("delay");
        if (delayMap.Exists)
        {
            var fixedDelay = RouteRules.Duration(delayMap, "fixedDelay", required: true);
            delay = new FaultDelayConfig(fixedDelay ?? TimeSpan.Zero, RouteRules.Percent(delayMap, "percent") ?? 100);
            delayMap.RejectUnknown();
        }

        if (!abortMap.Exists && !delayMap.Exists)
        {
            map.Error("", "needs abort, delay or both");
        }

        map.RejectUnknown();
        return new FaultConfig(abort, delay);
    }

    private static RetryConfig? ParseRetry(YamlMap map, bool grpc)
    {
        if (!map.Exists)
        {
            return null;
        }

        var limit = map.Number("limit", 0, 100) ?? PolicyDefaults.RetryLimit;
        var on = RetryConditions.None;
        var conditions = map.StringList("on");
        RouteRules.CheckRetryConditions(map, "on", conditions);
        foreach (var condition in conditions)
        {
            on |= condition switch
            {
                "5xx" => RetryConditions.ServerError,
                "gateway-error" => RetryConditions.GatewayError,
                "connect-failure" => RetryConditions.ConnectFailure,
                _ => RetryConditions.None,
            };
        }

        var statusCodes = Codes(map, "statusCodes", 100, 599);
        IReadOnlyList<int> grpcCodes = RouteRules.GrpcStatuses(map, "grpcCodes");
        if (PolicyDefaults.RetryConditionsUnspecified(conditions.Count, statusCodes.Count, grpcCodes.Count))
        {
            // The control plane's defaults for a retry that names no condition (one definition for both).
            on = grpc ? RetryConditions.None : RetryConditions.ServerError;
            grpcCodes = grpc ? PolicyDefaults.RetryGrpcCodes : [];
        }

        var config = new RetryConfig(limit, on, statusCodes, grpcCodes)
        {
            RetryNonIdempotent = map.Bool("retryNonIdempotent") ?? false,
            MaxBodyBytes = map.Number("maxBodyBytes", 0, int.MaxValue) ?? RetryConfig.DefaultMaxBodyBytes,
        };
        map.RejectUnknown();
        return config;
    }

    private static List<int> Codes(YamlMap map, string key, int min, int max)
    {
        var reason = string.Create(CultureInfo.InvariantCulture, $"must be a number {min}..{max}");
        return map.WholeNumbers(key, min, max, _ => reason);
    }

    private static MirrorConfig? ParseMirror(YamlMap map, List<(string Path, string Key)> refs)
    {
        if (!map.Exists)
        {
            return null;
        }

        var key = map.Text("service", required: true);
        var percent = RouteRules.Percent(map, "percent") ?? 100;
        map.RejectUnknown();
        if (key is null)
        {
            return null;
        }

        refs.Add((map.Child("service"), key));
        return new MirrorConfig(key, percent);
    }

    private static RetryBudgetConfig ParseRetryBudget(YamlMap service)
    {
        var map = service.Map("retryBudget");
        var defaults = RetryBudgetConfig.Default;
        if (!map.Exists)
        {
            return defaults;
        }

        var ratio = map.Real("ratio", 0, 1000) ?? defaults.Ratio;
        var min = map.Number("minRetriesPerSecond", 0, 1_000_000) ?? defaults.MinRetriesPerSecond;
        var ttl = map.Duration("ttl") ?? defaults.Ttl;
        map.RejectUnknown();
        return new RetryBudgetConfig(ratio, min, ttl);
    }

    private static CircuitBreakerConfig? ParseCircuitBreaker(YamlMap service)
    {
        var map = service.Map("circuitBreaker");
        var defaults = CircuitBreakerConfig.Default;
        if (!map.Exists)
        {
            return defaults;
        }

        var disabled = map.Bool("disabled") ?? false;
        var failures = map.Number("consecutiveFailures", 1, 1000) ?? defaults.ConsecutiveFailures;
        var minPenalty = map.Duration("minPenalty") ?? defaults.MinPenalty;
        var maxPenalty = map.Duration("maxPenalty") ?? defaults.MaxPenalty;
        var jitter = map.Real("jitterRatio", 0, 1) ?? defaults.JitterRatio;
        if (maxPenalty < minPenalty)
        {
            map.Error("maxPenalty", "is shorter than minPenalty");
        }

        map.RejectUnknown();
        return disabled ? null : new CircuitBreakerConfig(failures, minPenalty, maxPenalty, jitter);
    }

    private static void CheckRouteRefs(List<ServiceConfig> services, List<(string Path, string Key)> refs, List<FieldError> errors)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in services)
        {
            keys.Add(s.Key);
        }

        foreach (var (path, key) in refs)
        {
            if (!keys.Contains(key))
            {
                errors.Add(new FieldError(path, $"'{key}' is not a service of this file (name:port)"));
            }
        }
    }
}
