using Linnet.Api.Destination.V1;

namespace Linnet.Proxy.Tests.ControlPlane;

/// <summary>Builders for the Destination API's messages as a control plane would send them.</summary>
internal static class DestinationMessages
{
    /// <summary>A service <c>name.ns:port</c> named as the control plane names services of the proxy's own
    /// namespace, with endpoints on 127.0.0.1.</summary>
    public static Service Service(string name, string ns, int port, params int[] endpointPorts)
    {
        var service = new Service
        {
            Key = $"{name}.{ns}:{port}",
            Port = port,
            Protocol = Protocol.Http1,
        };
        service.Names.Add(name);
        service.Names.Add($"{name}.{ns}");
        service.Names.Add($"{name}.{ns}.svc.cluster.local");
        foreach (var endpointPort in endpointPorts)
        {
            service.Endpoints.Add(new Endpoint { Address = "127.0.0.1", Port = endpointPort, Weight = 1 });
        }

        return service;
    }
}
