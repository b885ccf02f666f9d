using System.Net;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Connections;
using Linnet.Proxy.Routing;

namespace Linnet.Proxy.Listening.Stages;

/// <summary>Describes the connection for the stages after it: the original destination (transparent mode), the
/// service of a service port, and the app port an inbound connection is for.</summary>
internal sealed class DescribeStage(BootstrapConfig config, ServiceTable services) : IConnectionStage
{
    /// <inheritdoc />
    public string Name => "describe";

    /// <inheritdoc />
    public Task InvokeAsync(AcceptedConnection connection, ConnectionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(next);
        connection.Feature = Describe(connection);
        return next(connection);
    }

    private ProxyConnectionFeature Describe(AcceptedConnection connection)
    {
        if (connection.Role == ListenerRole.ServicePort)
        {
            var localPort = connection.ServicePort!.Value;
            return new ProxyConnectionFeature(ListenerRole.ServicePort, null, services.FindByLocalPort(localPort), localPort);
        }

        var original = config.TransparentMode ? OriginalDestination.Get(connection.Socket) : null;
        // Redirected to inbound: the port the client dialled. Addressed to the inbound port itself (a client proxy
        // reaching a pod's proxy directly, or no redirection): the app's default port, never the proxy itself.
        var targetPort = connection.Role == ListenerRole.Inbound
            ? original is { } od && od.Port != connection.ListenPort ? od.Port : config.AppPort
            : 0;
        return new ProxyConnectionFeature(connection.Role, original, null, targetPort);
    }

    /// <summary>True when the connection's port is declared opaque: no HTTP detection there.</summary>
    public static bool IsOpaquePort(ProxyConnectionFeature feature, BootstrapConfig config)
    {
        ArgumentNullException.ThrowIfNull(feature);
        ArgumentNullException.ThrowIfNull(config);
        return feature.Role switch
        {
            ListenerRole.Inbound => config.InboundOpaquePorts.Contains(feature.TargetPort),
            ListenerRole.ServicePort => feature.Service?.Config.Protocol == ServiceProtocol.Opaque,
            _ => feature.OriginalDestination is IPEndPoint od && config.OutboundOpaquePorts.Contains(od.Port),
        };
    }
}
