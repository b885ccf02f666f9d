using System.Globalization;
using System.Text.RegularExpressions;
using Linnet.Api.Validation;
using Linnet.Api.Yaml;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>HTTPRoute and GRPCRoute specs, their filters and timeouts, and the traffic annotations of Services.</summary>
public static partial class ManifestParser
{
    /// <summary>Filter type names (Gateway API's, and Linnet's own).</summary>
    public const string RequestHeaderModifierFilter = "RequestHeaderModifier";

    /// <summary>Gateway API <c>ResponseHeaderModifier</c>.</summary>
    public const string ResponseHeaderModifierFilter = "ResponseHeaderModifier";

    /// <summary>Gateway API <c>RequestMirror</c>.</summary>
    public const string RequestMirrorFilter = "RequestMirror";

    /// <summary>Linnet's fault injection filter.</summary>
    public const string FaultInjectionFilter = "LinnetFaultInjection";

    /// <summary>Linnet's retry filter.</summary>
    public const string RetryFilter = "LinnetRetry";

    /// <summary>Gateway API <c>URLRewrite</c>.</summary>
    public const string UrlRewriteFilter = "URLRewrite";

    /// <summary>Gateway API <c>RequestRedirect</c>.</summary>
    public const string RequestRedirectFilter = "RequestRedirect";

    /// <summary>The apiVersions an HTTPRoute is accepted in: Gateway API's, and Linkerd's own
    /// <c>policy.linkerd.io</c> versions (a subset of the same shape).</summary>
    public static readonly IReadOnlyList<string> HttpRouteVersions =
    [
        "gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1beta1",
        "policy.linkerd.io/v1beta3", "policy.linkerd.io/v1beta2", "policy.linkerd.io/v1beta1", "policy.linkerd.io/v1alpha1",
    ];

    /// <summary>The apiVersions a GRPCRoute is accepted in.</summary>
    public static readonly IReadOnlyList<string> GrpcRouteVersions = ["gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1alpha2"];

    // Linkerd's policy.linkerd.io HTTPRoute CRDs (v1alpha1..v1beta3) allow these filters on a rule, and
    // `timeouts` only from v1beta3 on (charts/linkerd-crds/templates/policy/httproute.yaml).
    private static readonly string[] LinkerdFilterTypes = [RequestHeaderModifierFilter, ResponseHeaderModifierFilter, RequestRedirectFilter];

    // Manifest authors meet the token rule here first, so the reason spells it out.
    private const string HeaderNameHint = " (an HTTP token: letters, digits and !#$%&'*+-.^_`|~)";

    // Filters a backendRef may carry (Gateway API HTTPBackendRef/GRPCBackendRef `filters`).
    private static readonly string[] BackendFilterTypes = [RequestHeaderModifierFilter, ResponseHeaderModifierFilter];

    private static readonly string[] HttpFilterTypes = [RequestHeaderModifierFilter, ResponseHeaderModifierFilter, RequestMirrorFilter, UrlRewriteFilter, RequestRedirectFilter, FaultInjectionFilter, RetryFilter];

    // Gateway API's GRPCRoute has no URLRewrite or RequestRedirect.
    private static readonly string[] GrpcFilterTypes = [RequestHeaderModifierFilter, ResponseHeaderModifierFilter, RequestMirrorFilter, FaultInjectionFilter, RetryFilter];

    internal static HttpRouteSpec ParseRouteSpec(YamlMap spec, string routeNamespace, string? apiVersion)
    {
        var linkerd = apiVersion?.StartsWith("policy.linkerd.io/", StringComparison.Ordinal) == true;
        var dialect = linkerd ? new RouteDialect(apiVersion!, LinkerdFilterTypes, Timeouts: apiVersion == "policy.linkerd.io/v1beta3") : new RouteDialect(apiVersion ?? "", HttpFilterTypes, Timeouts: true);
        var parents = ParseParents(spec, routeNamespace);
        var hostnames = ParseHostnames(spec);
        var rules = ParseRules(spec, routeNamespace, dialect, ParseMatch, m => m.Path, (matches, backends, filters, timeouts) => new HttpRouteRule(matches, backends) { Filters = filters, Timeouts = timeouts });
        spec.RejectUnknown();
        return new HttpRouteSpec(parents, rules) { Hostnames = hostnames };
    }

    internal static GrpcRouteSpec ParseGrpcRouteSpec(YamlMap spec, string routeNamespace)
    {
        var parents = ParseParents(spec, routeNamespace);
        var hostnames = ParseHostnames(spec);
        var rules = ParseRules(spec, routeNamespace, new RouteDialect("", GrpcFilterTypes, Timeouts: true), ParseGrpcMatch, _ => null, (matches, backends, filters, timeouts) => new GrpcRouteRule(matches, backends) { Filters = filters, Timeouts = timeouts });
        spec.RejectUnknown();
        return new GrpcRouteSpec(parents, rules) { Hostnames = hostnames };
    }

    // Gateway API Hostname: RFC 1123 names in lower case, optionally with a leading "*." label; no IPs.
    private static List<string> ParseHostnames(YamlMap spec)
    {
        var hostnames = spec.StringList("hostnames");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < hostnames.Count; i++)
        {
            var name = hostnames[i];
            if (!IsHostname(name, wildcard: true))
            {
                spec.Error($"hostnames[{i}]", $"'{name}' is not a host name: lower-case RFC 1123 labels, optionally '*.' first (for example web.shop.svc.cluster.local or *.example.com); IP addresses are not allowed");
            }
            else if (!seen.Add(name))
            {
                spec.Error($"hostnames[{i}]", $"'{name}' is listed twice");
            }
        }

        return hostnames;
    }

    private static bool IsHostname(string name, bool wildcard)
    {
        if (wildcard && name.StartsWith("*.", StringComparison.Ordinal))
        {
            name = name[2..];
        }

        return name.Length is > 0 and <= 253 && HostnamePattern().IsMatch(name) && !System.Net.IPAddress.TryParse(name, out _);
    }

    // HTTPRoute and GRPCRoute rules differ only in their matches; backends, filters and timeouts are read alike.
    private static List<TRule> ParseRules<TMatch, TRule>(YamlMap spec, string routeNamespace, RouteDialect dialect, Func<YamlMap, TMatch> parseMatch, Func<TMatch, PathMatch?> pathOf, Func<List<TMatch>, List<BackendRef>, RouteFilters, RouteTimeouts?, TRule> create)
    {
        var rules = new List<TRule>();
        var ruleItems = spec.Sequence("rules");
        for (var r = 0; r < ruleItems.Count; r++)
        {
            var rule = spec.Item(ruleItems[r], "rules", r);
            var matches = new List<TMatch>();
            var matchItems = rule.Sequence("matches");
            for (var m = 0; m < matchItems.Count; m++)
            {
                matches.Add(parseMatch(rule.Item(matchItems[m], "matches", m)));
            }

            var backends = ParseBackends(rule, routeNamespace, dialect);
            var filters = ParseFilters(rule, routeNamespace, dialect);
            RouteTimeouts? timeouts = null;
            if (dialect.Timeouts)
            {
                timeouts = ParseTimeouts(rule);
            }
            else if (rule.Node("timeouts") is not null)
            {
                rule.Error("timeouts", $"is not part of {dialect.ApiVersion} HTTPRoute (Linkerd added it in policy.linkerd.io/v1beta3; Gateway API has it in gateway.networking.k8s.io/v1)");
            }

            CheckRedirectAndRewrite(rule, matches.ConvertAll(m => pathOf(m)), backends, filters);
            rule.RejectUnknown();
            rules.Add(create(matches, backends, filters, timeouts));
        }

        return rules;
    }

    private static List<ParentRef> ParseParents(YamlMap spec, string routeNamespace)
    {
        var parents = new List<ParentRef>();
        var parentItems = spec.Sequence("parentRefs");
        if (parentItems.Count == 0)
        {
            spec.Error("parentRefs", "must name at least one Service");
        }

        for (var i = 0; i < parentItems.Count; i++)
        {
            var item = spec.Item(parentItems[i], "parentRefs", i);
            var name = item.Text("name", required: true);
            var kind = item.Text("kind") ?? "Service";
            var group = item.Text("group") ?? "";
            if (kind != "Service" || group is not ("" or "core"))
            {
                item.Error("kind", $"'{group}/{kind}' is not supported: a mesh route's parent is a Service");
            }

            var ns = item.Text("namespace");
            var port = item.Number("port", 1, 65535);
            item.RejectUnknown();
            if (name is not null)
            {
                parents.Add(new ParentRef(name, ns ?? routeNamespace, port));
            }
        }

        return parents;
    }

    private static List<BackendRef> ParseBackends(YamlMap rule, string routeNamespace, RouteDialect dialect)
    {
        // Gateway API's per-backendRef filters apply only to requests sent to (and responses from) that backend; the
        // proxy honours the header modifiers there (what Flagger's session affinity needs), and refuses the others.
        var backendDialect = dialect with { FilterTypes = BackendFilterTypes, Where = " on a backendRef (the proxy applies these per backend; put other filters on the rule)" };
        var backends = new List<BackendRef>();
        var backendItems = rule.Sequence("backendRefs");
        for (var b = 0; b < backendItems.Count; b++)
        {
            var item = rule.Item(backendItems[b], "backendRefs", b);
            var filters = ParseFilters(item, routeNamespace, backendDialect);
            if (ParseBackendRef(item, routeNamespace, withWeight: true) is { } backend)
            {
                backends.Add(backend with { Filters = filters });
            }
        }

        if (backends.Count > 0 && backends.All(b => b.Weight == 0))
        {
            rule.Error("backendRefs", "every weight is 0: no request could be routed");
        }

        return backends;
    }

    private static BackendRef? ParseBackendRef(YamlMap item, string routeNamespace, bool withWeight)
    {
        var name = item.Text("name", required: true);

        // Any other group or kind is kept as Gateway API wants it: accepted, with ResolvedRefs False (InvalidKind) in
        // the route's status, and its share of requests answered 500.
        var kind = item.Text("kind") ?? ServiceResource.KindName;
        var group = item.Text("group") ?? "";
        var ns = item.Text("namespace");
        var port = item.Number("port", 1, 65535);
        var weight = withWeight ? item.Number("weight", 0, 1_000_000) ?? 1 : 1;
        item.RejectUnknown();
        return name is null ? null : new BackendRef(name, ns ?? routeNamespace, port, weight) { Group = group == "core" ? "" : group, Kind = kind };
    }

    private static HttpRouteMatch ParseMatch(YamlMap match)
    {
        PathMatch? path = null;
        var pathMap = match.Map("path");
        if (pathMap.Exists)
        {
            var type = pathMap.Text("type") ?? "PathPrefix";
            var value = pathMap.Text("value") ?? "/";
            RouteRules.CheckPathMatch(pathMap, type, value);
            pathMap.RejectUnknown();
            path = new PathMatch(type, value);
        }

        var headers = ParseHeaderMatches(match);
        var queryParams = new List<QueryParamMatch>();
        var queryItems = match.Sequence("queryParams");
        var queryNames = new HashSet<string>(StringComparer.Ordinal);
        for (var q = 0; q < queryItems.Count; q++)
        {
            var item = match.Item(queryItems[q], "queryParams", q);
            var type = item.Text("type") ?? "Exact";
            var name = item.Text("name", required: true);
            var value = item.Text("value", required: true);
            RouteRules.CheckValueMatch(item, type, value);
            if (name is { Length: 0 or > 256 })
            {
                item.Error("name", "must be 1 to 256 characters");
            }
            else if (name is not null && !queryNames.Add(name))
            {
                // Gateway API: only the first entry with a name counts; a second one is a mistake.
                item.Error("name", $"'{name}' is matched twice in this match");
            }

            item.RejectUnknown();
            if (name is not null && value is not null)
            {
                queryParams.Add(new QueryParamMatch(type, name, value));
            }
        }

        var method = RouteRules.Method(match);
        match.RejectUnknown();
        return new HttpRouteMatch(path, headers) { QueryParams = queryParams, Method = method };
    }

    private static GrpcRouteMatch ParseGrpcMatch(YamlMap match)
    {
        GrpcMethodMatch? method = null;
        var methodMap = match.Map("method");
        if (methodMap.Exists)
        {
            var type = methodMap.Text("type") ?? "Exact";
            var service = methodMap.Text("service");
            var name = methodMap.Text("method");
            if (service is null && name is null)
            {
                match.Error("method", "must name a service, a method or both");
            }

            switch (type)
            {
                case "Exact":
                    if (service is not null && !GrpcService().IsMatch(service))
                    {
                        methodMap.Error("service", $"'{service}' is not a gRPC service name such as pkg.Service");
                    }

                    if (name is not null && !GrpcMethod().IsMatch(name))
                    {
                        methodMap.Error("method", $"'{name}' is not a gRPC method name");
                    }

                    break;
                case "RegularExpression":
                    if (service is not null)
                    {
                        RouteRules.CheckRegex(methodMap, "service", service);
                    }

                    if (name is not null)
                    {
                        RouteRules.CheckRegex(methodMap, "method", name);
                    }

                    break;
                default:
                    methodMap.Error("type", $"'{type}' is not one of: Exact, RegularExpression");
                    break;
            }

            methodMap.RejectUnknown();
            method = new GrpcMethodMatch(type, service, name);
        }

        var headers = ParseHeaderMatches(match);
        match.RejectUnknown();
        return new GrpcRouteMatch(method, headers);
    }

    private static List<HeaderMatch> ParseHeaderMatches(YamlMap match)
    {
        var headers = new List<HeaderMatch>();
        var headerItems = match.Sequence("headers");
        for (var h = 0; h < headerItems.Count; h++)
        {
            var item = match.Item(headerItems[h], "headers", h);
            var type = item.Text("type") ?? "Exact";
            var name = item.Text("name", required: true);
            var value = item.Text("value", required: true);
            RouteRules.CheckValueMatch(item, type, value);
            RouteRules.CheckHeaderName(item, "name", name, HeaderNameHint);
            item.RejectUnknown();
            if (name is not null && value is not null)
            {
                headers.Add(new HeaderMatch(type, name, value));
            }
        }

        return headers;
    }

    // Gateway API's rule-level rules for the two filters (the CEL validations of HTTPRouteRule).
    private static void CheckRedirectAndRewrite(YamlMap rule, List<PathMatch?> paths, List<BackendRef> backends, RouteFilters filters)
    {
        if (filters.RequestRedirect is not null && backends.Count > 0)
        {
            rule.Error("backendRefs", "must be empty: a rule with a RequestRedirect filter answers the redirect itself and forwards nothing");
        }

        if (filters.RequestRedirect is not null && filters.UrlRewrite is not null)
        {
            rule.Error("filters", "RequestRedirect and URLRewrite cannot be used in the same rule");
        }

        var prefixReplace = filters.RequestRedirect?.Path?.Type == HttpPathModifier.ReplacePrefixMatch || filters.UrlRewrite?.Path?.Type == HttpPathModifier.ReplacePrefixMatch;

        // No matches (or a match without a path) means Gateway API's default match, PathPrefix "/".
        if (prefixReplace && !(paths.Count == 0 || (paths.Count == 1 && paths[0] is null or { Type: "PathPrefix" })))
        {
            rule.Error("matches", "a ReplacePrefixMatch path modifier needs exactly one PathPrefix match in the rule: it replaces that prefix");
        }
    }

    private static HttpPathModifier? ParsePathModifier(YamlMap map)
    {
        var path = map.Map("path");
        if (!path.Exists)
        {
            return null;
        }

        var type = path.Text("type", required: true);
        var full = path.Text("replaceFullPath");
        var prefix = path.Text("replacePrefixMatch");
        HttpPathModifier? result = null;
        switch (type)
        {
            case null:
                break;
            case HttpPathModifier.ReplaceFullPath:
                if (prefix is not null)
                {
                    path.Error("replacePrefixMatch", "type must be 'ReplacePrefixMatch' when replacePrefixMatch is set");
                }

                if (full is null)
                {
                    path.Error("replaceFullPath", "must be specified when type is set to 'ReplaceFullPath'");
                }
                else if (CheckPathValue(path, "replaceFullPath", full, allowEmpty: false))
                {
                    result = new HttpPathModifier(type, full);
                }

                break;
            case HttpPathModifier.ReplacePrefixMatch:
                if (full is not null)
                {
                    path.Error("replaceFullPath", "type must be 'ReplaceFullPath' when replaceFullPath is set");
                }

                if (prefix is null)
                {
                    path.Error("replacePrefixMatch", "must be specified when type is set to 'ReplacePrefixMatch'");
                }
                else if (CheckPathValue(path, "replacePrefixMatch", prefix, allowEmpty: true))
                {
                    result = new HttpPathModifier(type, prefix);
                }

                break;
            default:
                path.Error("type", $"'{type}' is not one of: ReplaceFullPath, ReplacePrefixMatch");
                break;
        }

        path.RejectUnknown();
        return result;
    }

    private static bool CheckPathValue(YamlMap map, string key, string value, bool allowEmpty)
    {
        if (value.Length > 1024)
        {
            map.Error(key, "is longer than 1024 characters");
            return false;
        }

        if ((value.Length > 0 || !allowEmpty) && (!value.StartsWith('/') || value.Any(c => c is <= ' ' or >= (char)0x7F or '?' or '#')))
        {
            map.Error(key, $"'{value}' is not an absolute path: it must start with '/' and have no spaces, control characters, '?' or '#'");
            return false;
        }

        return true;
    }

    private static string? ParsePreciseHostname(YamlMap map)
    {
        var hostname = map.Text("hostname");
        if (hostname is not null && !IsHostname(hostname, wildcard: false))
        {
            map.Error("hostname", $"'{hostname}' is not a host name: lower-case RFC 1123 labels such as web.example.com, no wildcard, no IP address");
            return null;
        }

        return hostname;
    }

    private static UrlRewrite? ParseUrlRewrite(YamlMap map)
    {
        if (!map.Exists)
        {
            return null;
        }

        var hostname = ParsePreciseHostname(map);
        var path = ParsePathModifier(map);
        map.RejectUnknown();
        return new UrlRewrite(hostname, path);
    }

    private static RequestRedirect? ParseRedirect(YamlMap map)
    {
        if (!map.Exists)
        {
            return null;
        }

        var scheme = map.Text("scheme");
        if (scheme is not null and not ("http" or "https"))
        {
            map.Error("scheme", $"'{scheme}' is not one of: http, https");
        }

        var hostname = ParsePreciseHostname(map);
        var path = ParsePathModifier(map);
        var port = map.Number("port", 1, 65535);
        var status = map.Number("statusCode", 100, 599) ?? 302;
        if (status is not (301 or 302 or 303 or 307 or 308))
        {
            map.Error("statusCode", $"{status} is not one of: 301, 302, 303, 307, 308");
        }

        map.RejectUnknown();
        return new RequestRedirect(scheme, hostname, path, port, status);
    }

    private static RouteFilters ParseFilters(YamlMap rule, string routeNamespace, RouteDialect dialect)
    {
        var filters = RouteFilters.None;
        var items = rule.Sequence("filters");
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            var item = rule.Item(items[i], "filters", i);
            var type = item.Text("type", required: true);
            if (type is null)
            {
                continue;
            }

            if (!dialect.FilterTypes.Contains(type))
            {
                // The filter's own field is left unread: one error, on the type, says it all.
                var where = dialect.Where ?? (dialect.FilterTypes == LinkerdFilterTypes ? $" in {dialect.ApiVersion} HTTPRoute (Linkerd's CRD; use gateway.networking.k8s.io/v1 for the others)" : "");
                item.Error("type", $"'{type}' is not supported{where} (supported: {string.Join(", ", dialect.FilterTypes)})");
                continue;
            }

            if (!seen.TryAdd(type, i))
            {
                item.Error("type", $"{type} is already filters[{seen[type]}]: at most one of each type per rule");
            }

            switch (type)
            {
                case RequestHeaderModifierFilter:
                    filters = filters with { RequestHeaderModifier = ParseHeaderModifier(Config(item, type, "requestHeaderModifier")) };
                    break;
                case ResponseHeaderModifierFilter:
                    filters = filters with { ResponseHeaderModifier = ParseHeaderModifier(Config(item, type, "responseHeaderModifier")) };
                    break;
                case RequestMirrorFilter:
                    filters = filters with { RequestMirror = ParseMirror(Config(item, type, "requestMirror"), routeNamespace) };
                    break;
                case FaultInjectionFilter:
                    filters = filters with { FaultInjection = ParseFault(Config(item, type, "faultInjection")) };
                    break;
                case UrlRewriteFilter:
                    filters = filters with { UrlRewrite = ParseUrlRewrite(Config(item, type, "urlRewrite")) };
                    break;
                case RequestRedirectFilter:
                    filters = filters with { RequestRedirect = ParseRedirect(Config(item, type, "requestRedirect")) };
                    break;
                default:
                    filters = filters with { Retry = ParseRetry(Config(item, type, "retry")) };
                    break;
            }

            item.RejectUnknown();
        }

        return filters;
    }

    private static YamlMap Config(YamlMap item, string type, string key)
    {
        var map = item.Map(key);
        if (!map.Exists)
        {
            item.Error(key, $"is required for type {type}");
        }

        return map;
    }

    private static HeaderModifier? ParseHeaderModifier(YamlMap map)
    {
        if (!map.Exists)
        {
            return null;
        }

        var set = RouteRules.HeaderValues(map, "set", HeaderNameHint, distinct: true).ConvertAll(h => new HeaderValue(h.Key, h.Value));
        var add = RouteRules.HeaderValues(map, "add", HeaderNameHint, distinct: true).ConvertAll(h => new HeaderValue(h.Key, h.Value));
        var remove = RouteRules.HeaderNames(map, "remove", HeaderNameHint, distinct: true);
        map.RejectUnknown();
        return new HeaderModifier(set, add, remove);
    }

    private static RequestMirror? ParseMirror(YamlMap map, string routeNamespace)
    {
        if (!map.Exists)
        {
            return null;
        }

        var backendMap = map.Map("backendRef");
        if (!backendMap.Exists)
        {
            map.Error("backendRef", "is required");
        }

        var backend = backendMap.Exists ? ParseBackendRef(backendMap, routeNamespace, withWeight: false) : null;
        var percent = RouteRules.Percent(map, "percent");
        var fraction = map.Map("fraction");
        if (fraction.Exists)
        {
            var numerator = fraction.Number("numerator", 0, int.MaxValue, required: true);
            var denominator = fraction.Number("denominator", 1, int.MaxValue) ?? 100;
            fraction.RejectUnknown();
            if (percent is not null)
            {
                map.Error("fraction", "give percent or fraction, not both");
            }
            else if (numerator is { } n)
            {
                if (n > denominator)
                {
                    fraction.Error("numerator", string.Create(CultureInfo.InvariantCulture, $"{n} is more than the denominator {denominator}"));
                }
                else
                {
                    percent = n * 100.0 / denominator;
                }
            }
        }

        map.RejectUnknown();
        return backend is null ? null : new RequestMirror(backend, percent ?? 100);
    }

    private static FaultInjection? ParseFault(YamlMap map)
    {
        if (!map.Exists)
        {
            return null;
        }

        FaultAbort? abort = null;
        var abortMap = map.Map("abort");
        if (abortMap.Exists)
        {
            var http = abortMap.Number("httpStatus", 200, 599);
            var grpc = RouteRules.GrpcStatus(abortMap, "grpcStatus");
            if (abortMap.Node("httpStatus") is null && abortMap.Node("grpcStatus") is null)
            {
                map.Error("abort", "needs httpStatus, grpcStatus or both");
            }

            var percent = RouteRules.Percent(abortMap, "percent") ?? 100;
            abortMap.RejectUnknown();
            abort = new FaultAbort(http, grpc, percent);
        }

        FaultDelay? delay = null;
        var delayMap = map.Map("delay");
        if (delayMap.Exists)
        {
            var fixedDelay = RouteRules.Duration(delayMap, "fixedDelay", required: true);
            var percent = RouteRules.Percent(delayMap, "percent") ?? 100;
            delayMap.RejectUnknown();
            delay = new FaultDelay(fixedDelay ?? TimeSpan.Zero, percent);
        }

        if (!abortMap.Exists && !delayMap.Exists)
        {
            map.Error("", "needs abort, delay or both");
        }

        map.RejectUnknown();
        return new FaultInjection(abort, delay);
    }

    private static RetryPolicy? ParseRetry(YamlMap map)
    {
        if (!map.Exists)
        {
            return null;
        }

        var limit = map.Number("limit", 0, 100);
        var on = map.StringList("on");
        RouteRules.CheckRetryConditions(map, "on", on);
        var statusCodes = map.WholeNumbers("statusCodes", 100, 599, text => $"'{text}' is not an HTTP status 100..599");

        var grpcCodes = RouteRules.GrpcStatuses(map, "grpcCodes");
        var nonIdempotent = map.Bool("retryNonIdempotent") ?? false;
        var maxBody = map.Number("maxBodyBytes", 0, int.MaxValue);
        map.RejectUnknown();
        return new RetryPolicy(limit, on, statusCodes, grpcCodes, nonIdempotent, maxBody);
    }

    private static RouteTimeouts? ParseTimeouts(YamlMap rule)
    {
        var map = rule.Map("timeouts");
        if (!map.Exists)
        {
            return null;
        }

        var (request, backendRequest) = RouteRules.Timeouts(map);
        map.RejectUnknown();

        // 0s means no timeout (Gateway API); stored as absent so that it reads back the same.
        var result = new RouteTimeouts(request, backendRequest);
        return result.Request is null && result.BackendRequest is null ? null : result;
    }

    internal static void CheckRouteAnnotations(ObjectMeta? metadata, bool grpc, List<FieldError> errors)
    {
        if (metadata is null)
        {
            return;
        }

        LinkerdRouteAnnotations.Read(metadata.Annotations, grpc, (name, reason) => errors.Add(new FieldError($"metadata.annotations[{name}]", reason)));
    }

    internal static void CheckServiceAnnotations(ObjectMeta? metadata, List<FieldError> errors)
    {
        if (metadata is null)
        {
            return;
        }

        ServiceTrafficPolicy.Read(metadata.Annotations, (name, reason) => errors.Add(new FieldError($"metadata.annotations[{name}]", reason)));

        // Linkerd's route annotations on a Service apply to every route to it (HTTP and gRPC alike): both retry
        // condition lists are checked, the shared annotations once.
        LinkerdRouteAnnotations.Read(metadata.Annotations, grpc: false, (name, reason) => errors.Add(new FieldError($"metadata.annotations[{name}]", reason)));
        LinkerdRouteAnnotations.Read(metadata.Annotations, grpc: true, (name, reason) =>
        {
            if (name == LinkerdRouteAnnotations.RetryGrpc)
            {
                errors.Add(new FieldError($"metadata.annotations[{name}]", reason));
            }
        });
    }

    [GeneratedRegex("^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$")]
    private static partial Regex GrpcService();

    [GeneratedRegex("^[A-Za-z_][A-Za-z_0-9]*$")]
    private static partial Regex GrpcMethod();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex HostnamePattern();
}
