using System.Text.Json.Nodes;
using Linnet.ControlPlane.Core.Resources;

namespace Linnet.ControlPlane.Core.Manifests;

/// <summary>An EndpointSlice's spec as the store keeps it.</summary>
public static partial class ResourceWriter
{
    internal static JsonObject EndpointSliceSpecJson(EndpointSliceSpec spec)
    {
        var endpoints = new JsonArray();
        foreach (var e in spec.Endpoints)
        {
            var endpoint = new JsonObject { ["address"] = e.Address };
            if (e.Ready is { } ready)
            {
                endpoint["ready"] = ready;
            }

            if (e.Serving is { } serving)
            {
                endpoint["serving"] = serving;
            }

            if (e.Terminating is { } terminating)
            {
                endpoint["terminating"] = terminating;
            }

            if (e.Pod is not null)
            {
                endpoint["pod"] = e.Pod;
            }

            endpoints.Add(endpoint);
        }

        var ports = new JsonArray();
        foreach (var p in spec.Ports)
        {
            var port = new JsonObject { ["name"] = p.Name, ["port"] = p.Port };
            if (p.AppProtocol is not null)
            {
                port["appProtocol"] = p.AppProtocol;
            }

            ports.Add(port);
        }

        return new JsonObject { ["serviceName"] = spec.ServiceName, ["addressType"] = spec.AddressType, ["endpoints"] = endpoints, ["ports"] = ports };
    }
}
