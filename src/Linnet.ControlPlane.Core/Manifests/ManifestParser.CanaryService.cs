using System.Globalization;
using Linnet.Api.Policy;
using Linnet.Api.Validation;
using Linnet.Api.Yaml;
using Linnet.ControlPlane.Core.Resources;
using YamlDotNet.RepresentationModel;

namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>Flagger's <c>service</c> block: the apex Service, and the settings Flagger's gatewayapi router writes on
/// the apex HTTPRoute's rules (<c>timeout</c>, <c>backendTimeout</c>, <c>match</c>, <c>headers</c>, <c>rewrite</c>,
/// <c>mirror</c>). What that router cannot express, and what Linnet's route cannot, is refused with the reason.</summary>
public static partial class ManifestParser
{
    // The service fields still refused, each with its reason.
    private static readonly (string Key, string Reason)[] RefusedServiceFields =
    [
        ("corsPolicy", "is not honoured: Linnet's HTTPRoute has no CORS filter (Gateway API's HTTPCORSFilter is experimental); answer CORS in the application"),
        ("hosts", "is not honoured: the canary's route is attached to the apex Service (the mesh), whose requests are routed by the Service they are sent to, not by Host"),
        ("apex", "is not honoured: the controller writes the Services and the route without labels or annotations of their own"),
        ("primary", "is not honoured: the controller writes the Services and the route without labels or annotations of their own"),
        ("canary", "is not honoured: the controller writes the Services and the route without labels or annotations of their own"),
        ("headless", "is not honoured: universal mode's Services are always routed by the mesh; there is no cluster IP to leave out"),
        ("trafficPolicy", "is not honoured: it is Istio's DestinationRule, which Flagger's gatewayapi router does not write"),
        ("backends", "is not honoured: it is for Istio's and App Mesh's routers, not the gatewayapi router"),
        ("delegation", "is not honoured: it is Istio's VirtualService delegation, not the gatewayapi router"),
        ("sessionAffinity", "is not honoured here: give analysis.sessionAffinity (Flagger's cookie-based affinity)"),
    ];

    // Istio's HTTPMatchRequest fields Flagger's gatewayapi router drops (mapRouteMatches reads uri, method, headers and
    // queryParams only): refused rather than dropped.
    private static readonly string[] DroppedIstioMatchFields = ["name", "scheme", "authority", "port", "sourceLabels", "gateways", "ignoreUriCase", "withoutHeaders", "sourceNamespace"];

    private static CanaryServiceSpec ParseCanaryService(YamlMap service, string? apexFallback, string? canaryNamespace)
    {
        if (!service.Exists)
        {
            service.Error("", "is required (at least service.port)");
        }

        var name = service.Text("name");
        if (name is not null && (!IsDnsLabel(name) || name.Length > 55))
        {
            service.Error("name", $"'{name}' must be a DNS label of at most 55 characters (the controller adds '-primary' and '-canary')");
        }

        var port = service.Number("port", 1, 65535, required: true) ?? 0;
        var portName = service.Text("portName") ?? "http";
        int? targetPort = null;
        if (service.Node("targetPort") is not null)
        {
            var text = service.Text("targetPort");
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is >= 1 and <= 65535)
            {
                targetPort = number;
            }
            else
            {
                service.Error("targetPort", $"'{text}' must be a port number 1..65535 (named ports: a Workload's ports have no names)");
            }
        }

        if (service.Text("appProtocol") is { } protocol && protocol is not ("http" or "http2" or "grpc"))
        {
            service.Error("appProtocol", $"'{protocol}' cannot be split by weight: canary traffic moves through an HTTPRoute (http, http2 or grpc)");
        }

        service.Text("portDiscovery");
        foreach (var (key, reason) in RefusedServiceFields)
        {
            if (service.Node(key) is not null)
            {
                service.Error(key, reason);
            }
        }

        var gatewayRefs = ParseGatewayRefs(service, name ?? apexFallback, canaryNamespace, port);
        var (request, backendRequest) = RouteRules.Timeouts(service, "timeout", "backendTimeout");
        var timeouts = request is null && backendRequest is null ? null : new RouteTimeouts(request, backendRequest);
        var match = ParseIstioMatches(service, "match", forAnalysis: false);
        var retries = ParseCanaryRetries(service.Map("retries"), timeouts);
        var headers = service.Map("headers");
        var filters = RouteFilters.None with
        {
            RequestHeaderModifier = ParseCanaryHeaderOperations(headers.Map("request")),
            ResponseHeaderModifier = ParseCanaryHeaderOperations(headers.Map("response")),
            UrlRewrite = ParseCanaryRewrite(service.Map("rewrite")),
            RequestMirror = ParseCanaryMirror(service),
        };
        headers.RejectUnknown();
        service.RejectUnknown();
        return new CanaryServiceSpec(name, port, portName, targetPort) { Match = match, Filters = filters, Timeouts = timeouts, Retries = retries, GatewayRefs = gatewayRefs };
    }

    // Flagger's gatewayapi router attaches the route to service.gatewayRefs. Linnet attaches it to the apex Service
    // (Gateway API's mesh profile, GAMMA), so refs naming that Service, as Flagger's GAMMA setup writes them, are what
    // Linnet does already; a Gateway (or another Service) is refused.
    private static List<ParentRef> ParseGatewayRefs(YamlMap service, string? apex, string? canaryNamespace, int port)
    {
        var refs = new List<ParentRef>();
        var items = service.Sequence("gatewayRefs");
        for (var i = 0; i < items.Count; i++)
        {
            var item = service.Item(items[i], "gatewayRefs", i);
            var name = item.Text("name", required: true);
            var group = item.Text("group") ?? "gateway.networking.k8s.io";
            var kind = item.Text("kind") ?? "Gateway";
            var ns = item.Text("namespace");
            var refPort = item.Number("port", 1, 65535);
            item.RejectUnknown();
            if (item.Node("sectionName") is not null)
            {
                item.Error("sectionName", "is not honoured: a Service parent is attached by port");
            }
            else if (group is not ("" or "core") || kind != ServiceResource.KindName)
            {
                item.Error("", $"a parent of kind {kind}, group '{group}' is not honoured: Linnet attaches the canary's route to its apex Service (the mesh, GAMMA); name that Service (group: core, kind: Service) or leave gatewayRefs out");
            }
            else if (apex is not null && name is not null && name != apex)
            {
                item.Error("name", $"'{name}' is not the apex Service '{apex}': the canary's route is attached to the apex Service");
            }
            else if (ns is not null && canaryNamespace is not null && ns != canaryNamespace)
            {
                item.Error("namespace", $"'{ns}' is not the Canary's namespace '{canaryNamespace}', where its apex Service is");
            }
            else if (refPort is { } p && p != port)
            {
                item.Error("port", $"{p.ToString(CultureInfo.InvariantCulture)} is not the apex Service's port {port.ToString(CultureInfo.InvariantCulture)}");
            }
            else if (name is not null)
            {
                refs.Add(new ParentRef(name, ns, refPort));
            }
        }

        return refs;
    }

    // Istio's HTTPMatchRequest as Flagger's mapRouteMatches maps it: uri (exact, prefix, regex) → path; method (exact)
    // → method; headers and queryParams (exact, regex) → header and query matches. What it refuses is refused here, with
    // the field's path. In analysis.match (A/B), Flagger's mergeMatchConditions keeps only the headers and queryParams,
    // and Linnet has long read header prefix/suffix there as regular expressions.
    private static List<HttpRouteMatch> ParseIstioMatches(YamlMap parent, string key, bool forAnalysis)
    {
        var matches = new List<HttpRouteMatch>();
        var items = parent.Sequence(key);
        for (var i = 0; i < items.Count; i++)
        {
            var item = parent.Item(items[i], key, i);
            PathMatch? path = null;
            string? method = null;
            if (forAnalysis)
            {
                foreach (var dropped in new[] { "uri", "method" })
                {
                    if (item.Node(dropped) is not null)
                    {
                        item.Error(dropped, "is not honoured in analysis.match: Flagger's A/B route keeps only its headers and queryParams; put it in service.match");
                    }
                }
            }
            else
            {
                path = ParseIstioUri(item.Map("uri"));
                method = ParseIstioMethod(item.Map("method"));
            }

            var headers = ParseIstioValueMatches(item, "headers", forAnalysis, isHeader: true).ConvertAll(m => new HeaderMatch(m.Type, m.Name, m.Value));
            var queryParams = ParseIstioValueMatches(item, "queryParams", allowAffixes: false, isHeader: false).ConvertAll(m => new QueryParamMatch(m.Type, m.Name, m.Value));
            foreach (var dropped in DroppedIstioMatchFields)
            {
                if (item.Node(dropped) is not null)
                {
                    item.Error(dropped, "is not honoured: Flagger's gatewayapi router drops it (a Gateway API match has only a path, a method, headers and query parameters)");
                }
            }

            item.RejectUnknown();
            var match = new HttpRouteMatch(path, headers) { QueryParams = queryParams, Method = method };
            if (forAnalysis && headers.Count == 0 && queryParams.Count == 0)
            {
                item.Error("headers", "is required (or queryParams): a match without conditions would send every request to the canary");
            }
            else if (path is not null || method is not null || headers.Count > 0 || queryParams.Count > 0)
            {
                // Flagger leaves an empty match out (it matches every request anyway).
                matches.Add(match);
            }
        }

        return matches;
    }

    private static PathMatch? ParseIstioUri(YamlMap uri)
    {
        if (IstioStringMatch(uri) is not { } m)
        {
            return null;
        }

        var (op, value) = m;

        switch (op)
        {
            case "suffix":
                uri.Error("suffix", "is not honoured: Gateway API has no suffix path match (Flagger refuses it too); use regex");
                return null;
            case "regex":
                RouteRules.CheckRegex(uri, "regex", value);
                return new PathMatch("RegularExpression", value);
            case "exact" or "prefix" when !value.StartsWith('/'):
                uri.Error(op, $"'{value}' must start with '/'");
                return null;
            default:
                return new PathMatch(op == "exact" ? "Exact" : "PathPrefix", value);
        }
    }

    private static string? ParseIstioMethod(YamlMap method)
    {
        if (IstioStringMatch(method) is not { } m)
        {
            return null;
        }

        var (op, value) = m;

        if (op != "exact")
        {
            method.Error(op, "is not honoured: Gateway API matches a method exactly (Flagger refuses the others too); use exact");
            return null;
        }

        if (!HttpSyntax.IsMethod(value))
        {
            method.Error("exact", $"'{value}' is not one of: {string.Join(", ", HttpSyntax.Methods)}");
            return null;
        }

        return value;
    }

    // headers or queryParams: a mapping of name to Istio StringMatch. Gateway API has Exact and RegularExpression; in
    // analysis.match, header prefix and suffix become regular expressions (Linnet's reading since A/B was added).
    private static List<(string Type, string Name, string Value)> ParseIstioValueMatches(YamlMap item, string key, bool allowAffixes, bool isHeader)
    {
        var result = new List<(string, string, string)>();
        var node = item.Node(key);
        if (node is null)
        {
            return result;
        }

        if (node is not YamlMappingNode mapping)
        {
            item.Error(key, "must be a mapping of name to {exact|regex}");
            return result;
        }

        var map = item.Map(key);
        var seen = new HashSet<string>(isHeader ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
        foreach (var (keyNode, _) in mapping.Children)
        {
            var name = (keyNode as YamlScalarNode)?.Value ?? "";
            var condition = map.Map(name);
            if (isHeader && !HttpSyntax.IsToken(name))
            {
                map.Error(name, $"'{name}' is not a header name (an HTTP token)");
            }
            else if (!isHeader && name.Length is 0 or > 256)
            {
                map.Error(name, "a query parameter name must be 1 to 256 characters");
            }
            else if (!seen.Add(name))
            {
                map.Error(name, $"'{name}' is matched twice in this match");
            }

            if (IstioStringMatch(condition) is not { } m)
            {
                continue;
            }

            var (op, value) = m;

            switch (op)
            {
                case "exact":
                    result.Add(("Exact", name, value));
                    break;
                case "regex":
                    if (RoutePattern.Check(value) is { } problem)
                    {
                        condition.Error("regex", problem);
                        break;
                    }

                    result.Add(("RegularExpression", name, value));
                    break;
                case "prefix" or "suffix" when allowAffixes:
                    var escaped = System.Text.RegularExpressions.Regex.Escape(value);
                    result.Add(("RegularExpression", name, op == "prefix" ? escaped + ".*" : ".*" + escaped));
                    break;
                default:
                    condition.Error(op, "is not honoured: Gateway API matches a value exactly or by regular expression (Flagger refuses the others too); use exact or regex");
                    break;
            }
        }

        return result;
    }

    // Istio's StringMatch: exactly one of exact, prefix, suffix, regex, not empty (Flagger reads an empty one as not given).
    private static (string Op, string Value)? IstioStringMatch(YamlMap map)
    {
        if (!map.Exists)
        {
            return null;
        }

        var given = new List<(string, string)>();
        foreach (var op in new[] { "exact", "prefix", "suffix", "regex" })
        {
            if (map.Text(op) is { } value)
            {
                given.Add((op, value));
            }
        }

        map.RejectUnknown();
        if (given.Count != 1)
        {
            map.Error("", "needs exactly one of exact, prefix, suffix, regex");
            return null;
        }

        if (given[0].Item2.Length == 0)
        {
            map.Error(given[0].Item1, "must not be empty");
            return null;
        }

        return given[0];
    }

    // Istio's HeaderOperations (set and add: name → value; remove: names), as Flagger's makeFilters turns them into a
    // Gateway API header modifier: set and add sorted by name, then value (its sortFiltersV1); remove as listed.
    private static HeaderModifier? ParseCanaryHeaderOperations(YamlMap map)
    {
        if (!map.Exists)
        {
            return null;
        }

        var set = CanaryHeaderValues(map, "set");
        var add = CanaryHeaderValues(map, "add");
        var remove = RouteRules.HeaderNames(map, "remove", HeaderNameHint, distinct: true);
        map.RejectUnknown();
        return new HeaderModifier(set, add, remove);
    }

    private static List<HeaderValue> CanaryHeaderValues(YamlMap map, string key)
    {
        var values = new List<HeaderValue>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var ops = map.Map(key);
        foreach (var (name, value) in map.StringMap(key))
        {
            RouteRules.CheckHeaderName(ops, name, name, HeaderNameHint);
            if (!HttpSyntax.IsHeaderValue(value))
            {
                ops.Error(name, "must not contain CR, LF or NUL");
            }
            else if (!seen.Add(name))
            {
                ops.Error(name, $"'{name}' is given twice (header names are case-insensitive)");
            }

            values.Add(new HeaderValue(name, value));
        }

        values.Sort((a, b) => a.Name == b.Name ? string.CompareOrdinal(a.Value, b.Value) : string.CompareOrdinal(a.Name, b.Name));
        return values;
    }

    // Istio's HTTPRetry (attempts, perTryTimeout, retryOn), which Flagger's gatewayapi router drops: honoured through
    // Linnet's retry filter where Linnet has the condition, refused with the reason where it has not.
    private static CanaryRetries? ParseCanaryRetries(YamlMap map, RouteTimeouts? timeouts)
    {
        if (!map.Exists)
        {
            return null;
        }

        var attempts = map.Number("attempts", 0, 100, required: true) ?? 0;
        var perTry = RouteRules.Duration(map, "perTryTimeout");
        if (perTry is { } p && p <= TimeSpan.Zero)
        {
            map.Error("perTryTimeout", "must be at least 1ms (Istio's minimum)");
            perTry = null;
        }
        else if (perTry is { } q && timeouts?.Request is { } request && q > request)
        {
            map.Error("perTryTimeout", $"{GatewayDuration.Format(q)} is longer than service.timeout {GatewayDuration.Format(request)}: an attempt cannot outlast the request");
        }

        var retryOn = new List<string>();
        var text = map.Text("retryOn");
        if (text is null)
        {
            map.Error("retryOn", "is required: Istio's default (connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes) includes conditions Linnet cannot honour; list the ones to retry on");
        }
        else
        {
            var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            foreach (var part in parts)
            {
                if (CanaryRetries.HttpConditions.Contains(part) || GrpcStatusCodes.TryParseLinkerdRetryable(part, out _)
                    || (int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var status) && status is >= 100 and <= 599))
                {
                    retryOn.Add(part);
                }
                else
                {
                    map.Error("retryOn", $"'{part}' is not a condition Linnet retries on (use {string.Join(", ", CanaryRetries.HttpConditions)}, an HTTP status 100..599, or a gRPC status: {string.Join(", ", GrpcStatusCodes.LinkerdRetryable)}){RetryOnHint(part)}");
                }
            }

            if (parts.Length == 0)
            {
                map.Error("retryOn", "must list at least one condition");
            }
        }

        map.RejectUnknown();
        return new CanaryRetries(attempts, perTry, retryOn);
    }

    private static string RetryOnHint(string condition) => condition switch
    {
        "refused-stream" => ": the proxy does not tell a refused HTTP/2 stream from other resets; connect-failure retries requests that never reached the app",
        "reset" or "reset-before-request" => ": a reset after the request was sent may have been processed; Linnet retries only connect failures and answers",
        "retriable-status-codes" => ": list the statuses themselves (such as 503)",
        "retriable-4xx" => ": list the 4xx statuses themselves (such as 409)",
        _ => "",
    };

    // Flagger's HTTPRewrite → URLRewrite: authority → hostname; uri → the path, ReplacePrefixMatch when type says so,
    // otherwise ReplaceFullPath (its GetType()).
    private static UrlRewrite? ParseCanaryRewrite(YamlMap map)
    {
        if (!map.Exists)
        {
            return null;
        }

        var uri = map.Text("uri");
        var authority = map.Text("authority");
        var type = map.Text("type");
        map.RejectUnknown();
        if (type is not null and not (HttpPathModifier.ReplaceFullPath or HttpPathModifier.ReplacePrefixMatch))
        {
            map.Error("type", $"'{type}' is not one of: {HttpPathModifier.ReplaceFullPath}, {HttpPathModifier.ReplacePrefixMatch}");
            return null;
        }

        if (string.IsNullOrEmpty(uri) && string.IsNullOrEmpty(authority))
        {
            map.Error("", "needs uri, authority or both");
            return null;
        }

        string? hostname = null;
        if (!string.IsNullOrEmpty(authority))
        {
            if (!IsHostname(authority, wildcard: false))
            {
                map.Error("authority", $"'{authority}' cannot be a URLRewrite hostname: lower-case RFC 1123 labels such as web.example.com, no port, no wildcard, no IP address");
                return null;
            }

            hostname = authority;
        }

        HttpPathModifier? path = null;
        if (!string.IsNullOrEmpty(uri))
        {
            var modifier = type ?? HttpPathModifier.ReplaceFullPath;
            if (!CheckPathValue(map, "uri", uri, allowEmpty: false))
            {
                return null;
            }

            path = new HttpPathModifier(modifier, uri);
        }

        return new UrlRewrite(hostname, path);
    }

    // Flagger's service.mirror: Gateway API HTTPRequestMirrorFilter items (backendRef only: Flagger copies nothing else).
    private static RequestMirror? ParseCanaryMirror(YamlMap service)
    {
        var items = service.Sequence("mirror");
        RequestMirror? result = null;
        for (var i = 0; i < items.Count; i++)
        {
            var item = service.Item(items[i], "mirror", i);
            var backend = item.Map("backendRef");
            if (!backend.Exists)
            {
                item.Error("backendRef", "is required");
            }

            var name = backend.Text("name", required: backend.Exists);
            var ns = backend.Text("namespace");
            var group = backend.Text("group") ?? "";
            var kind = backend.Text("kind") ?? ServiceResource.KindName;
            var port = backend.Number("port", 1, 65535, required: backend.Exists);
            backend.RejectUnknown();
            item.RejectUnknown();
            if (group is not ("" or "core") || kind != ServiceResource.KindName)
            {
                backend.Error("kind", $"a {kind} of group '{group}' cannot be mirrored to: Linnet mirrors to Services (group core, kind Service)");
            }
            else if (name is not null && !IsDnsLabel(name))
            {
                backend.Error("name", $"'{name}' is not a Service name (a DNS label)");
            }
            else if (ns is not null && !IsDnsLabel(ns))
            {
                backend.Error("namespace", $"'{ns}' is not a namespace name (a DNS label)");
            }
            else if (i > 0)
            {
                service.Error($"mirror[{i}]", "is one mirror too many: Linnet's route rule mirrors to one Service (one RequestMirror filter)");
            }
            else if (name is not null && port is not null)
            {
                result = new RequestMirror(new BackendRef(name, ns, port, 0), 100);
            }
        }

        return result;
    }

    // Checks that need the service and the analysis: what Gateway API (and so Linnet's route) refuses of the rules the
    // controller would write, and what two settings would both claim.
    private static void CheckCanaryRoute(YamlMap spec, CanaryServiceSpec service, CanaryAnalysis analysis)
    {
        var rewrite = service.Filters.UrlRewrite;
        if (rewrite?.Path?.Type == HttpPathModifier.ReplacePrefixMatch)
        {
            // Gateway API: a ReplacePrefixMatch rewrite needs exactly one PathPrefix match in its rule; every rule of
            // the canary's route has the service's matches (merged with the A/B ones or the session cookie).
            var abMatches = analysis.Match.Count == 0 ? 1 : analysis.Match.Count;
            if (service.Match.Count > 1 || service.Match is [{ Path: { Type: not "PathPrefix" } }])
            {
                spec.Error("service.rewrite.type", "ReplacePrefixMatch replaces the prefix a rule matched: service.match must be at most one match, with a uri prefix (or no uri)");
            }
            else if (abMatches > 1)
            {
                spec.Error("service.rewrite.type", "ReplacePrefixMatch needs one match per rule, and the A/B rule has one per analysis.match item: give one analysis.match item, or ReplaceFullPath");
            }
        }

        if (service.Filters.RequestMirror is not null && analysis.Mirror)
        {
            spec.Error("service.mirror", "and analysis.mirror both mirror the weighted rule, and Linnet's rule mirrors to one Service: give one of them");
        }

        if (analysis.SessionAffinity is not null && service.Filters.ResponseHeaderModifier is { } response
            && response.Set.Concat(response.Add).Select(h => h.Name).Concat(response.Remove).Any(n => n.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase)))
        {
            spec.Error("service.headers.response", "must leave Set-Cookie alone with analysis.sessionAffinity: the controller sets its cookie there");
        }
    }
}
