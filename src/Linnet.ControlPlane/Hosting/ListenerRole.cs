namespace Linnet.ControlPlane.Hosting;

/// <summary>Which of the control plane's listeners a connection arrived on.</summary>
internal enum ListenerRole
{
    /// <summary>The Destination gRPC API (h2c).</summary>
    Grpc,

    /// <summary>The JSON HTTP API (HTTP/1.1).</summary>
    Http,
}
