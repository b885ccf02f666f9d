using Linnet.Proxy.Balancing;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Resilience;

namespace Linnet.Proxy.Routing;

/// <summary>A service port as the data path sees it: its config, endpoints and balancer.</summary>
internal sealed class ServiceState
{
    internal ServiceState(ServiceConfig config, IReadOnlyList<EndpointState> endpoints, IBalancer balancer, RetryBudget retryBudget)
    {
        Config = config;
        RetryBudget = retryBudget;
        Endpoints = endpoints;
        Balancer = balancer;
        Authority = $"{config.Name}:{config.Port}";
    }

    /// <summary>The service's config.</summary>
    public ServiceConfig Config { get; }

    /// <summary>The canonical authority (<c>name:port</c>, the name being the control plane's most qualified
    /// one), used as the metrics label whichever name the client used.</summary>
    public string Authority { get; }

    /// <summary>Current endpoints.</summary>
    public IReadOnlyList<EndpointState> Endpoints { get; }

    /// <summary>The endpoint picker.</summary>
    public IBalancer Balancer { get; }

    /// <summary>The retries this service may still receive from this proxy; carried across snapshots while
    /// the service and its budget policy stay the same.</summary>
    public RetryBudget RetryBudget { get; }

    /// <summary>The series labels (tls, dst_*) of its requests recorded before an endpoint is picked; rendered on first use.</summary>
    internal string? SeriesLabels { get; set; }

    /// <summary>The service's route rules, compiled with the snapshot; empty when it has no routes.</summary>
    internal CompiledRouteRule[] Rules { get; set; } = [];

    /// <summary>The <c>route_*</c> series of this service's requests no rule matched (Linkerd's default route),
    /// found on first use.</summary>
    internal Telemetry.RouteTraffic? UnmatchedTraffic { get; set; }

    /// <summary>An index over <see cref="Rules"/> for services with many; null when the walk is as cheap.</summary>
    internal RouteIndex? RouteIndex { get; set; }
}
