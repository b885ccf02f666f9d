namespace Linnet.Proxy.Telemetry;

/// <summary>Which side of the proxy traffic passed through.</summary>
internal enum Direction
{
    /// <summary>Towards the local app.</summary>
    Inbound,

    /// <summary>From the local app to other services.</summary>
    Outbound,
}
