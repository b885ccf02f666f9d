using System.Text.Json.Nodes;
using Linnet.Api.Policy;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>The route settings of a Canary's <c>service</c>, written back in Flagger's (Istio's) shape.</summary>
public static partial class ResourceWriter
{
    private static void AddCanaryServiceRoute(JsonObject service, CanaryServiceSpec spec)
    {
        if (spec.GatewayRefs.Count > 0)
        {
            var refs = new JsonArray();
            foreach (var parent in spec.GatewayRefs)
            {
                var json = new JsonObject { ["name"] = parent.Name, ["group"] = "core", ["kind"] = ServiceResource.KindName };
                if (parent.Namespace is not null)
                {
                    json["namespace"] = parent.Namespace;
                }

                if (parent.Port is { } port)
                {
                    json["port"] = port;
                }

                refs.Add(json);
            }

            service["gatewayRefs"] = refs;
        }

        if (spec.Timeouts?.Request is { } request)
        {
            service["timeout"] = GatewayDuration.Format(request);
        }

        if (spec.Timeouts?.BackendRequest is { } backendRequest)
        {
            service["backendTimeout"] = GatewayDuration.Format(backendRequest);
        }

        if (spec.Retries is { } retries)
        {
            var json = new JsonObject { ["attempts"] = retries.Attempts };
            if (retries.PerTryTimeout is { } perTry)
            {
                json["perTryTimeout"] = GatewayDuration.Format(perTry);
            }

            json["retryOn"] = string.Join(',', retries.RetryOn);
            service["retries"] = json;
        }

        if (spec.Match.Count > 0)
        {
            service["match"] = IstioMatchesJson(spec.Match);
        }

        var filters = spec.Filters;
        if (filters.RequestHeaderModifier is not null || filters.ResponseHeaderModifier is not null)
        {
            var headers = new JsonObject();
            foreach (var (key, modifier) in new[] { ("request", filters.RequestHeaderModifier), ("response", filters.ResponseHeaderModifier) })
            {
                if (modifier is not null)
                {
                    headers[key] = new JsonObject
                    {
                        ["set"] = new JsonObject(modifier.Set.Select(h => KeyValuePair.Create(h.Name, (JsonNode?)h.Value))),
                        ["add"] = new JsonObject(modifier.Add.Select(h => KeyValuePair.Create(h.Name, (JsonNode?)h.Value))),
                        ["remove"] = new JsonArray([.. modifier.Remove.Select(n => (JsonNode?)n)]),
                    };
                }
            }

            service["headers"] = headers;
        }

        if (filters.UrlRewrite is { } rewrite)
        {
            var json = new JsonObject();
            if (rewrite.Path is { } path)
            {
                json["uri"] = path.Value;
                json["type"] = path.Type;
            }

            if (rewrite.Hostname is not null)
            {
                json["authority"] = rewrite.Hostname;
            }

            service["rewrite"] = json;
        }

        if (filters.RequestMirror is { } mirror)
        {
            var backend = new JsonObject { ["group"] = "core", ["kind"] = ServiceResource.KindName, ["name"] = mirror.BackendRef.Name };
            if (mirror.BackendRef.Namespace is not null)
            {
                backend["namespace"] = mirror.BackendRef.Namespace;
            }

            backend["port"] = mirror.BackendRef.Port;
            service["mirror"] = new JsonArray(new JsonObject { ["backendRef"] = backend });
        }
    }

    // Istio's HTTPMatchRequest, as a Canary's service.match and analysis.match are written.
    private static JsonArray IstioMatchesJson(IReadOnlyList<HttpRouteMatch> matches)
    {
        static JsonObject StringMatch(string type, string value) => new() { [type switch { "Exact" => "exact", "PathPrefix" => "prefix", _ => "regex" }] = value };

        var result = new JsonArray();
        foreach (var match in matches)
        {
            var json = new JsonObject();
            if (match.Path is { } path)
            {
                json["uri"] = StringMatch(path.Type, path.Value);
            }

            if (match.Method is { } method)
            {
                json["method"] = new JsonObject { ["exact"] = method };
            }

            if (match.Headers.Count > 0)
            {
                json["headers"] = new JsonObject(match.Headers.Select(h => KeyValuePair.Create(h.Name, (JsonNode?)StringMatch(h.Type, h.Value))));
            }

            if (match.QueryParams.Count > 0)
            {
                json["queryParams"] = new JsonObject(match.QueryParams.Select(q => KeyValuePair.Create(q.Name, (JsonNode?)StringMatch(q.Type, q.Value))));
            }

            result.Add(json);
        }

        return result;
    }
}
