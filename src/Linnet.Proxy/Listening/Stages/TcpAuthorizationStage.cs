using Linnet.Proxy.Authorization;
using Linnet.Proxy.Connections;
using Linnet.Proxy.Routing;

namespace Linnet.Proxy.Listening.Stages;

/// <summary>The one place an inbound opaque connection is authorized, plaintext or over mTLS, once its target
/// port and client identity are known: refused by the inbound policy, it is closed here and the app never sees
/// it. (HTTP connections are authorized per request, by the HTTP path.)</summary>
internal sealed class TcpAuthorizationStage(InboundAuthorizer authorizer, ServiceTable services) : IConnectionStage
{
    /// <inheritdoc />
    public string Name => "tcp-authorization";

    /// <inheritdoc />
    public Task InvokeAsync(AcceptedConnection connection, ConnectionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(next);
        if (connection.Feature.Role == ListenerRole.Inbound && !authorizer.AuthorizeTcp(services.Current.InboundPolicy, connection.Feature.TargetPort, connection.Feature.ClientIdentity, connection.Socket.RemoteEndPoint))
        {
            return Task.CompletedTask;
        }

        return next(connection);
    }
}
