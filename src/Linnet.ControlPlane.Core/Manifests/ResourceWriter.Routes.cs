using System.Text.Json.Nodes;
using Linnet.Api.Policy;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>HTTPRoute and GRPCRoute specs in their Gateway API shape.</summary>
public static partial class ResourceWriter
{
    internal static JsonObject RouteSpec(HttpRouteSpec spec, string routeNamespace)
    {
        var rules = new JsonArray();
        foreach (var rule in spec.Rules)
        {
            var matches = new JsonArray();
            foreach (var m in rule.Matches)
            {
                var match = new JsonObject();
                if (m.Path is { } path)
                {
                    match["path"] = new JsonObject { ["type"] = path.Type, ["value"] = path.Value };
                }

                if (m.Headers.Count > 0)
                {
                    match["headers"] = HeaderMatches(m.Headers);
                }

                if (m.QueryParams.Count > 0)
                {
                    match["queryParams"] = new JsonArray(m.QueryParams.Select(q => (JsonNode)new JsonObject { ["type"] = q.Type, ["name"] = q.Name, ["value"] = q.Value }).ToArray());
                }

                if (m.Method is not null)
                {
                    match["method"] = m.Method;
                }

                matches.Add(match);
            }

            rules.Add(Rule(matches, rule.BackendRefs, rule.Filters, rule.Timeouts, routeNamespace));
        }

        return WithHostnames(new JsonObject { ["parentRefs"] = Parents(spec.ParentRefs, routeNamespace), ["rules"] = rules }, spec.Hostnames);
    }

    internal static JsonObject RouteSpec(GrpcRouteSpec spec, string routeNamespace)
    {
        var rules = new JsonArray();
        foreach (var rule in spec.Rules)
        {
            var matches = new JsonArray();
            foreach (var m in rule.Matches)
            {
                var match = new JsonObject();
                if (m.Method is { } method)
                {
                    var json = new JsonObject { ["type"] = method.Type };
                    if (method.Service is not null)
                    {
                        json["service"] = method.Service;
                    }

                    if (method.Method is not null)
                    {
                        json["method"] = method.Method;
                    }

                    match["method"] = json;
                }

                if (m.Headers.Count > 0)
                {
                    match["headers"] = HeaderMatches(m.Headers);
                }

                matches.Add(match);
            }

            rules.Add(Rule(matches, rule.BackendRefs, rule.Filters, rule.Timeouts, routeNamespace));
        }

        return WithHostnames(new JsonObject { ["parentRefs"] = Parents(spec.ParentRefs, routeNamespace), ["rules"] = rules }, spec.Hostnames);
    }

    // Gateway API's RouteStatus shape: parents[].parentRef, controllerName, conditions[].
    internal static void AddRouteStatus(JsonObject json, RouteStatus status)
    {
        if (status.Parents.Count == 0)
        {
            return;
        }

        var parents = new JsonArray();
        foreach (var parent in status.Parents)
        {
            var parentRef = new JsonObject { ["group"] = "", ["kind"] = "Service", ["name"] = parent.ParentRef.Name, ["namespace"] = parent.ParentRef.Namespace };
            if (parent.ParentRef.Port is { } port)
            {
                parentRef["port"] = port;
            }

            var conditions = new JsonArray();
            foreach (var c in parent.Conditions)
            {
                conditions.Add(new JsonObject
                {
                    ["type"] = c.Type,
                    ["status"] = c.Status,
                    ["reason"] = c.Reason,
                    ["message"] = c.Message,
                    ["observedGeneration"] = c.ObservedGeneration,
                    ["lastTransitionTime"] = c.LastTransitionTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
                });
            }

            parents.Add(new JsonObject { ["parentRef"] = parentRef, ["controllerName"] = parent.ControllerName, ["conditions"] = conditions });
        }

        json["status"] = new JsonObject { ["parents"] = parents };
    }

    private static JsonObject WithHostnames(JsonObject spec, IReadOnlyList<string> hostnames)
    {
        if (hostnames.Count > 0)
        {
            spec["hostnames"] = new JsonArray(hostnames.Select(h => (JsonNode)JsonValue.Create(h)).ToArray());
        }

        return spec;
    }

    private static JsonObject? PathModifier(HttpPathModifier? path) => path is null ? null : new JsonObject
    {
        ["type"] = path.Type,
        [path.Type == HttpPathModifier.ReplaceFullPath ? "replaceFullPath" : "replacePrefixMatch"] = path.Value,
    };

    private static JsonArray Parents(IReadOnlyList<ParentRef> parentRefs, string routeNamespace)
    {
        var parents = new JsonArray();
        foreach (var p in parentRefs)
        {
            // Always written resolved, so that a route reads back equal to what was stored.
            var parent = new JsonObject { ["kind"] = "Service", ["name"] = p.Name, ["namespace"] = p.Namespace ?? routeNamespace };
            if (p.Port is { } port)
            {
                parent["port"] = port;
            }

            parents.Add(parent);
        }

        return parents;
    }

    private static JsonArray HeaderMatches(IReadOnlyList<HeaderMatch> headers) =>
        new(headers.Select(h => (JsonNode)new JsonObject { ["type"] = h.Type, ["name"] = h.Name, ["value"] = h.Value }).ToArray());

    private static JsonObject Rule(JsonArray matches, IReadOnlyList<BackendRef> backendRefs, RouteFilters filters, RouteTimeouts? timeouts, string routeNamespace)
    {
        var backends = new JsonArray();
        foreach (var b in backendRefs)
        {
            var backend = Backend(b, routeNamespace);
            backend["weight"] = b.Weight;
            if (Filters(b.Filters, routeNamespace) is { Count: > 0 } backendFilters)
            {
                backend["filters"] = backendFilters;
            }

            backends.Add(backend);
        }

        var rule = new JsonObject { ["matches"] = matches, ["backendRefs"] = backends };
        var filterList = Filters(filters, routeNamespace);
        if (filterList.Count > 0)
        {
            rule["filters"] = filterList;
        }

        if (timeouts is not null)
        {
            var json = new JsonObject();
            if (timeouts.Request is { } request)
            {
                json["request"] = GatewayDuration.Format(request);
            }

            if (timeouts.BackendRequest is { } backendRequest)
            {
                json["backendRequest"] = GatewayDuration.Format(backendRequest);
            }

            rule["timeouts"] = json;
        }

        return rule;
    }

    private static JsonObject Backend(BackendRef b, string routeNamespace)
    {
        var backend = new JsonObject { ["name"] = b.Name, ["namespace"] = b.Namespace ?? routeNamespace };
        if (!b.IsService)
        {
            backend["group"] = b.Group;
            backend["kind"] = b.Kind;
        }

        if (b.Port is { } port)
        {
            backend["port"] = port;
        }

        return backend;
    }

    private static JsonArray Filters(RouteFilters filters, string routeNamespace)
    {
        var list = new JsonArray();
        if (filters.RequestHeaderModifier is { } request)
        {
            list.Add(new JsonObject { ["type"] = ManifestParser.RequestHeaderModifierFilter, ["requestHeaderModifier"] = HeaderModifier(request) });
        }

        if (filters.ResponseHeaderModifier is { } response)
        {
            list.Add(new JsonObject { ["type"] = ManifestParser.ResponseHeaderModifierFilter, ["responseHeaderModifier"] = HeaderModifier(response) });
        }

        if (filters.RequestMirror is { } mirror)
        {
            list.Add(new JsonObject
            {
                ["type"] = ManifestParser.RequestMirrorFilter,
                ["requestMirror"] = new JsonObject { ["backendRef"] = Backend(mirror.BackendRef, routeNamespace), ["percent"] = mirror.Percent },
            });
        }

        if (filters.UrlRewrite is { } rewrite)
        {
            var json = new JsonObject();
            if (rewrite.Hostname is not null)
            {
                json["hostname"] = rewrite.Hostname;
            }

            if (PathModifier(rewrite.Path) is { } path)
            {
                json["path"] = path;
            }

            list.Add(new JsonObject { ["type"] = ManifestParser.UrlRewriteFilter, ["urlRewrite"] = json });
        }

        if (filters.RequestRedirect is { } redirect)
        {
            var json = new JsonObject();
            if (redirect.Scheme is not null)
            {
                json["scheme"] = redirect.Scheme;
            }

            if (redirect.Hostname is not null)
            {
                json["hostname"] = redirect.Hostname;
            }

            if (PathModifier(redirect.Path) is { } path)
            {
                json["path"] = path;
            }

            if (redirect.Port is { } port)
            {
                json["port"] = port;
            }

            json["statusCode"] = redirect.StatusCode;
            list.Add(new JsonObject { ["type"] = ManifestParser.RequestRedirectFilter, ["requestRedirect"] = json });
        }

        if (filters.FaultInjection is { } fault)
        {
            var json = new JsonObject();
            if (fault.Abort is { } abort)
            {
                var abortJson = new JsonObject();
                if (abort.HttpStatus is { } http)
                {
                    abortJson["httpStatus"] = http;
                }

                if (abort.GrpcStatus is { } grpc)
                {
                    abortJson["grpcStatus"] = grpc;
                }

                abortJson["percent"] = abort.Percent;
                json["abort"] = abortJson;
            }

            if (fault.Delay is { } delay)
            {
                json["delay"] = new JsonObject { ["fixedDelay"] = GatewayDuration.Format(delay.FixedDelay), ["percent"] = delay.Percent };
            }

            list.Add(new JsonObject { ["type"] = ManifestParser.FaultInjectionFilter, ["faultInjection"] = json });
        }

        if (filters.Retry is { } retry)
        {
            var json = new JsonObject();
            if (retry.Limit is { } limit)
            {
                json["limit"] = limit;
            }

            json["on"] = new JsonArray(retry.On.Select(o => (JsonNode)JsonValue.Create(o)).ToArray());
            json["statusCodes"] = Ints(retry.StatusCodes);
            json["grpcCodes"] = Ints(retry.GrpcCodes);
            json["retryNonIdempotent"] = retry.RetryNonIdempotent;
            if (retry.MaxBodyBytes is { } maxBody)
            {
                json["maxBodyBytes"] = maxBody;
            }

            list.Add(new JsonObject { ["type"] = ManifestParser.RetryFilter, ["retry"] = json });
        }

        return list;
    }

    private static JsonObject HeaderModifier(HeaderModifier modifier) => new()
    {
        ["set"] = new JsonArray(modifier.Set.Select(h => (JsonNode)new JsonObject { ["name"] = h.Name, ["value"] = h.Value }).ToArray()),
        ["add"] = new JsonArray(modifier.Add.Select(h => (JsonNode)new JsonObject { ["name"] = h.Name, ["value"] = h.Value }).ToArray()),
        ["remove"] = new JsonArray(modifier.Remove.Select(r => (JsonNode)JsonValue.Create(r)).ToArray()),
    };
}
