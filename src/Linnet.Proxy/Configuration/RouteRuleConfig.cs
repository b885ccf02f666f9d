namespace Linnet.Proxy.Configuration;

/// <summary>One rule of a route: it applies when any of its matches holds (or always, with none), and then
/// sends the request to one of its backends by weight, with the rule's filters, timeouts and retries.</summary>
internal sealed record RouteRuleConfig(IReadOnlyList<RouteMatchConfig> Matches, IReadOnlyList<RouteBackendConfig> Backends)
{
    /// <summary>Changes to the request's headers before it is forwarded (Gateway API <c>RequestHeaderModifier</c>).</summary>
    public HeaderModifierConfig? RequestHeaders { get; init; }

    /// <summary>Changes to the response's headers before they reach the client (<c>ResponseHeaderModifier</c>).</summary>
    public HeaderModifierConfig? ResponseHeaders { get; init; }

    /// <summary>The whole-request and per-attempt timeouts (Gateway API <c>timeouts</c>); null: none.</summary>
    public RouteTimeoutsConfig? Timeouts { get; init; }

    /// <summary>Injected faults (Linnet filter); null: none.</summary>
    public FaultConfig? Fault { get; init; }

    /// <summary>Retries (Linnet filter); null: no retries.</summary>
    public RetryConfig? Retry { get; init; }

    /// <summary>A share of requests copied to another service, fire and forget (<c>RequestMirror</c>); null: none.</summary>
    public MirrorConfig? Mirror { get; init; }

    /// <summary>Changes to the forwarded request's path and Host (Gateway API <c>URLRewrite</c>); null: none.</summary>
    public RewriteConfig? Rewrite { get; init; }

    /// <summary>Answer with a redirect instead of forwarding (Gateway API <c>RequestRedirect</c>); null: forward.</summary>
    public RedirectConfig? Redirect { get; init; }
}
