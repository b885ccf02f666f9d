namespace Linnet.Proxy.Balancing;

/// <summary>Picks an endpoint for one request or connection.</summary>
internal interface IBalancer
{
    /// <summary>Whether there is any endpoint with weight to balance over (ejected or not): tells "no
    /// endpoints" from "all endpoints are ejected" when <see cref="Pick"/> returns null.</summary>
    bool HasEndpoints { get; }

    /// <summary>An endpoint, or null when the service has none available. The caller reports the outcome
    /// to the endpoint's <see cref="EndpointState.Breaker"/>.</summary>
    EndpointState? Pick();
}
