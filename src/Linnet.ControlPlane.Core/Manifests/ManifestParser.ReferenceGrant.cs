using Linnet.Api.Validation;
using Linnet.Api.Yaml;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>Gateway API's ReferenceGrant, limited to what Linnet has: grants from HTTPRoutes and GRPCRoutes to
/// Services. An entry naming anything else would have no effect, so it is refused with the reason.</summary>
public static partial class ManifestParser
{
    internal static ReferenceGrantSpec ParseReferenceGrantSpec(YamlMap spec)
    {
        var from = new List<ReferenceGrantFrom>();
        var fromItems = spec.Sequence("from");
        if (fromItems.Count is 0 or > 16)
        {
            spec.Error("from", "must list 1 to 16 entries");
        }

        for (var i = 0; i < fromItems.Count; i++)
        {
            var item = spec.Item(fromItems[i], "from", i);
            var group = item.Text("group", required: true);
            var kind = item.Text("kind", required: true);
            var ns = item.Text("namespace", required: true);
            if (group is not null && group != ReferenceGrantResource.GatewayGroup)
            {
                item.Error("group", $"'{group}' grants nothing in Linnet: references come from HTTPRoutes and GRPCRoutes of {ReferenceGrantResource.GatewayGroup} (a grant from it covers policy.linkerd.io HTTPRoutes too)");
            }

            if (kind is not null && kind is not (HttpRouteResource.KindName or GrpcRouteResource.KindName))
            {
                item.Error("kind", $"'{kind}' grants nothing in Linnet: only HTTPRoute and GRPCRoute reference other namespaces' Services");
            }

            if (ns is not null && !IsDnsLabel(ns))
            {
                item.Error("namespace", $"'{ns}' is not a valid namespace (a DNS label)");
            }

            item.RejectUnknown();
            if (group is not null && kind is not null && ns is not null)
            {
                from.Add(new ReferenceGrantFrom(group, kind, ns));
            }
        }

        var to = new List<ReferenceGrantTo>();
        var toItems = spec.Sequence("to");
        if (toItems.Count is 0 or > 16)
        {
            spec.Error("to", "must list 1 to 16 entries");
        }

        for (var i = 0; i < toItems.Count; i++)
        {
            var item = spec.Item(toItems[i], "to", i);
            var group = item.Text("group", required: true);
            var kind = item.Text("kind", required: true);
            var name = item.Text("name");
            if (group is not null && group is not ("" or "core"))
            {
                item.Error("group", $"'{group}' grants nothing in Linnet: routes reference core Services (group \"\")");
            }

            if (kind is not null && kind != ServiceResource.KindName)
            {
                item.Error("kind", $"'{kind}' grants nothing in Linnet: routes reference Services only");
            }

            if (name is not null && !IsDnsLabel(name))
            {
                item.Error("name", $"'{name}' is not a valid Service name (a DNS label)");
            }

            item.RejectUnknown();
            if (group is not null && kind is not null)
            {
                to.Add(new ReferenceGrantTo("", kind, name));
            }
        }

        spec.RejectUnknown();
        return new ReferenceGrantSpec(from, to);
    }
}
