using Linnet.Api.Yaml;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>An EndpointSlice as the store keeps it (the Kubernetes platform writes it; it is never applied).</summary>
public static partial class ManifestParser
{
    internal static EndpointSliceSpec ParseEndpointSliceSpec(YamlMap spec)
    {
        var endpoints = new List<SliceEndpoint>();
        var items = spec.Sequence("endpoints");
        for (var i = 0; i < items.Count; i++)
        {
            var item = spec.Item(items[i], "endpoints", i);
            endpoints.Add(new SliceEndpoint(item.Text("address", required: true) ?? "", item.Bool("ready"), item.Bool("serving"), item.Bool("terminating"), item.Text("pod")));
            item.RejectUnknown();
        }

        var ports = new List<SlicePort>();
        var portItems = spec.Sequence("ports");
        for (var i = 0; i < portItems.Count; i++)
        {
            var item = spec.Item(portItems[i], "ports", i);
            ports.Add(new SlicePort(item.Text("name") ?? "", item.Number("port", 1, 65535, required: true) ?? 0, item.Text("appProtocol")));
            item.RejectUnknown();
        }

        var result = new EndpointSliceSpec(spec.Text("serviceName", required: true) ?? "", spec.Text("addressType") ?? "IPv4", endpoints, ports);
        spec.RejectUnknown();
        return result;
    }
}
