using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>The authorization kinds, written in Linkerd's shape with every reference resolved, so that they
/// read back equal to what was stored.</summary>
public static partial class ResourceWriter
{
    internal static JsonObject Spec(ServerSpec spec)
    {
        var selector = new JsonObject();
        if (spec.PodSelector.MatchLabels.Count > 0)
        {
            selector["matchLabels"] = Map(spec.PodSelector.MatchLabels);
        }

        if (spec.PodSelector.MatchExpressions.Count > 0)
        {
            var expressions = new JsonArray();
            foreach (var e in spec.PodSelector.MatchExpressions)
            {
                var expression = new JsonObject { ["key"] = e.Key, ["operator"] = e.Operator };
                if (e.Values.Count > 0)
                {
                    expression["values"] = Strings(e.Values);
                }

                expressions.Add(expression);
            }

            selector["matchExpressions"] = expressions;
        }

        return new JsonObject
        {
            ["podSelector"] = selector,
            ["port"] = spec.Port.Number is { } number ? JsonValue.Create(number) : JsonValue.Create(spec.Port.Name),
            ["proxyProtocol"] = spec.ProxyProtocol,
            ["accessPolicy"] = spec.AccessPolicy,
        };
    }

    internal static JsonObject Spec(AuthorizationPolicySpec spec)
    {
        var target = new JsonObject();
        if (spec.TargetRef.Group.Length > 0)
        {
            target["group"] = spec.TargetRef.Group;
        }

        target["kind"] = spec.TargetRef.Kind;
        target["name"] = spec.TargetRef.Name;
        var refs = new JsonArray();
        foreach (var r in spec.RequiredAuthenticationRefs)
        {
            var item = new JsonObject();
            if (r.Group.Length > 0)
            {
                item["group"] = r.Group;
            }

            item["kind"] = r.Kind;
            item["name"] = r.Name;
            item["namespace"] = r.Namespace;
            refs.Add(item);
        }

        return new JsonObject { ["targetRef"] = target, ["requiredAuthenticationRefs"] = refs };
    }

    internal static JsonObject Spec(MeshTlsAuthenticationSpec spec)
    {
        var json = new JsonObject();
        if (spec.Identities.Count > 0)
        {
            json["identities"] = Strings(spec.Identities);
        }

        if (spec.IdentityRefs.Count > 0)
        {
            var refs = new JsonArray();
            foreach (var r in spec.IdentityRefs)
            {
                var item = new JsonObject { ["kind"] = r.Kind };
                if (r.Name is not null)
                {
                    item["name"] = r.Name;
                }

                if (r.Kind != "Namespace")
                {
                    item["namespace"] = r.Namespace;
                }

                refs.Add(item);
            }

            json["identityRefs"] = refs;
        }

        return json;
    }

    internal static JsonObject Spec(NetworkAuthenticationSpec spec)
    {
        var networks = new JsonArray();
        foreach (var n in spec.Networks)
        {
            var item = new JsonObject { ["cidr"] = n.Cidr };
            if (n.Except.Count > 0)
            {
                item["except"] = Strings(n.Except);
            }

            networks.Add(item);
        }

        return new JsonObject { ["networks"] = networks };
    }

    private static JsonArray Strings(IReadOnlyList<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray());
}
