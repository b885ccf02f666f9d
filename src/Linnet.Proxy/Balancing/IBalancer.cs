namespace Linnet.Proxy.Balancing;

/// <summary>Picks an endpoint for one request or connection.</summary>
public interface IBalancer
{
    /// <summary>An endpoint, or null when the service has none available.</summary>
    EndpointState? Pick();
}
