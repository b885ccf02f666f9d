namespace Linnet.Proxy.Connections;

/// <summary>What a listening socket is for.</summary>
internal enum ListenerRole
{
    /// <summary>In front of the local app (4143).</summary>
    Inbound,

    /// <summary>The app's calls to other services (4140), routed by authority or original destination.</summary>
    Outbound,

    /// <summary>A loopback port dedicated to one service, for clients that cannot name it.</summary>
    ServicePort,
}
