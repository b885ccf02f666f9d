namespace Linnet.Proxy.Configuration;

/// <summary>A service port the local app may call through the outbound listener.</summary>
/// <param name="Name">The authority host the app uses (for example <c>backend</c>).</param>
/// <param name="Aliases">Other host names that mean the same service (for example the FQDN).</param>
/// <param name="Port">The service port the app addresses.</param>
/// <param name="Protocol">Detect or opaque.</param>
/// <param name="LocalPort">When set, a dedicated outbound listener on the outbound listener's address for
/// this service port, so that apps with no proxy support (opaque TCP clients) reach it by address alone.</param>
/// <param name="Endpoints">Where the service's instances listen.</param>
internal sealed record ServiceConfig(
    string Name,
    IReadOnlyList<string> Aliases,
    int Port,
    ServiceProtocol Protocol,
    int? LocalPort,
    IReadOnlyList<EndpointConfig> Endpoints)
{
    private readonly string? _key;

    /// <summary>The service's unique key: the control plane's <c>name.namespace:port</c>, or <c>name:port</c>
    /// when none is given. Route backends name services by it; endpoint state is carried over by it.</summary>
    public string Key
    {
        get => _key ?? $"{Name}:{Port}";
        init => _key = value;
    }

    /// <summary>HTTP routes attached to this service port, in precedence order. None: every request goes
    /// to <see cref="Endpoints"/>.</summary>
    public IReadOnlyList<RouteConfig> Routes { get; init; } = [];

    /// <summary>How requests are spread over <see cref="Endpoints"/>: one of
    /// <see cref="Balancing.BalancerNames"/>; P2C over peak-EWMA unless set.</summary>
    public string Balancer { get; init; } = Balancing.BalancerNames.PeakEwma;

    /// <summary>How many retries this service may receive from this proxy.</summary>
    public RetryBudgetConfig RetryBudget { get; init; } = RetryBudgetConfig.Default;

    /// <summary>Failure accrual for this service's endpoints; null: endpoints are never ejected.</summary>
    public CircuitBreakerConfig? CircuitBreaker { get; init; } = CircuitBreakerConfig.Default;

    /// <summary>The <c>dst_*</c> labels every endpoint of the service shares (<c>dst_namespace</c>,
    /// <c>dst_service</c>), rendered: the labels of series recorded before an endpoint is picked. "": none.</summary>
    public string MetricLabels { get; init; } = "";
}
