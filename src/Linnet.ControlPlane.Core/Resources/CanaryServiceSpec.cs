namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Flagger's <c>service</c>: the apex Service's name (default: the target's), its port, the port
/// name (default <c>http</c>) and the workload port it forwards to (default: the port); and the settings Flagger's
/// gatewayapi router puts on every rule of the apex HTTPRoute (<see cref="Match"/>, <see cref="Filters"/>,
/// <see cref="Timeouts"/>).</summary>
public sealed record CanaryServiceSpec(string? Name, int Port, string PortName, int? TargetPort)
{
    /// <summary><c>service.match</c> (Istio's HTTPMatchRequest, mapped as Flagger's <c>mapRouteMatches</c> maps it): the
    /// requests the route serves. Empty: every request.</summary>
    public IReadOnlyList<HttpRouteMatch> Match { get; init; } = [];

    /// <summary>The rule filters from <c>service.headers</c> (request and response header modifiers),
    /// <c>service.rewrite</c> (URLRewrite) and <c>service.mirror</c> (RequestMirror), as Flagger's <c>makeFilters</c>
    /// makes them.</summary>
    public RouteFilters Filters { get; init; } = RouteFilters.None;

    /// <summary><c>service.timeout</c> (<c>timeouts.request</c>) and <c>service.backendTimeout</c>
    /// (<c>timeouts.backendRequest</c>); null: none.</summary>
    public RouteTimeouts? Timeouts { get; init; }

    /// <summary><c>service.retries</c> (Istio's HTTPRetry), through Linnet's retry filter; null: none.</summary>
    public CanaryRetries? Retries { get; init; }

    /// <summary>The filters every rule of the canary's route carries: <see cref="Filters"/>, and the retry filter of
    /// <see cref="Retries"/>.</summary>
    public RouteFilters RuleFilters => Retries is null ? Filters : Filters with { Retry = Retries.Policy };

    /// <summary>The timeouts every rule of the canary's route carries: <see cref="Timeouts"/>, each attempt ending at
    /// the sooner of <c>backendTimeout</c> and the retries' <c>perTryTimeout</c>.</summary>
    public RouteTimeouts? RuleTimeouts =>
        Retries?.PerTryTimeout is not { } perTry ? Timeouts
        : new RouteTimeouts(Timeouts?.Request, Timeouts?.BackendRequest is { } backend && backend < perTry ? backend : perTry);

    /// <summary><c>service.gatewayRefs</c> as given: each names the apex Service (Gateway API's mesh profile), the parent
    /// the controller attaches the route to anyway; kept so that the Canary reads back as written.</summary>
    public IReadOnlyList<ParentRef> GatewayRefs { get; init; } = [];

    /// <inheritdoc />
    public bool Equals(CanaryServiceSpec? other) =>
        other is not null && Name == other.Name && Port == other.Port && PortName == other.PortName && TargetPort == other.TargetPort
        && Match.SequenceEqual(other.Match) && GatewayRefs.SequenceEqual(other.GatewayRefs) && Filters.Equals(other.Filters) && Equals(Timeouts, other.Timeouts) && Equals(Retries, other.Retries);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name, Port, PortName, TargetPort);
}
