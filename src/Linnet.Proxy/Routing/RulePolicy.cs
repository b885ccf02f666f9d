using Linnet.Proxy.Configuration;
using Linnet.Proxy.Filters;
using Linnet.Proxy.Resilience;

namespace Linnet.Proxy.Routing;

/// <summary>A route rule's filters, compiled with the snapshot: header modifiers, timeouts, faults,
/// retries and the mirror (resolved to a service of the same snapshot). A rule with none of them has no
/// policy at all, and its requests take the plain forwarding path.</summary>
internal sealed class RulePolicy
{
    private RulePolicy(RouteRuleConfig rule, ServiceState? mirror, RouteBackendConfig? backend)
    {
        RequestHeaders = HeaderModifier.Create(rule.RequestHeaders, backend?.RequestHeaders);
        ResponseHeaders = HeaderModifier.Create(rule.ResponseHeaders, backend?.ResponseHeaders);
        RequestTimeout = Positive(rule.Timeouts?.Request);
        BackendRequestTimeout = Positive(rule.Timeouts?.BackendRequest);
        IdleTimeout = Positive(rule.Timeouts?.Idle);
        Fault = rule.Fault is { Abort: null, Delay: null } ? null : rule.Fault;
        Retry = rule.Retry is { } retry ? new RetryPolicy(retry) : null;
        Mirror = mirror;
        MirrorPercent = rule.Mirror?.Percent ?? 0;
    }

    public HeaderModifier? RequestHeaders { get; }

    public HeaderModifier? ResponseHeaders { get; }

    /// <summary>From arrival to the end of the response, delays and retries included.</summary>
    public TimeSpan? RequestTimeout { get; }

    /// <summary>For each attempt.</summary>
    public TimeSpan? BackendRequestTimeout { get; }

    /// <summary>The longest an attempt may see no activity either way, whatever its state.</summary>
    public TimeSpan? IdleTimeout { get; }

    public FaultConfig? Fault { get; }

    public RetryPolicy? Retry { get; }

    /// <summary>The retry policy for a request of <paramref name="method"/>: null when the rule does not retry
    /// or not this method.</summary>
    public RetryPolicy? RetryFor(string method, bool grpc) => Retry is { } retry && retry.AllowsMethod(method, grpc) ? retry : null;

    /// <summary>The mirror service; null when the rule mirrors nothing (or names an unknown service).</summary>
    public ServiceState? Mirror { get; }

    public double MirrorPercent { get; }

    /// <summary>Compiles the rule's filters, with those of <paramref name="backend"/> (its per-backendRef header
    /// changes, applied after the rule's) when given; null when there are none. An unknown mirror service is reported
    /// in <paramref name="problems"/> and the rule then mirrors nothing.</summary>
    public static RulePolicy? Create(string routeName, RouteRuleConfig rule, IReadOnlyDictionary<string, ServiceState> servicesByKey, List<string> problems, RouteBackendConfig? backend = null)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ServiceState? mirror = null;
        if (rule.Mirror is { } m && m.Percent > 0)
        {
            if (!servicesByKey.TryGetValue(m.ServiceKey, out mirror))
            {
                problems.Add($"route {routeName}: mirror '{m.ServiceKey}' is not a known service; nothing is mirrored");
            }
        }

        var policy = new RulePolicy(rule, mirror, backend);
        return policy.RequestHeaders is null && policy.ResponseHeaders is null && policy.RequestTimeout is null
            && policy.BackendRequestTimeout is null && policy.IdleTimeout is null && policy.Fault is null && policy.Retry is null && policy.Mirror is null
            ? null
            : policy;
    }

    private static TimeSpan? Positive(TimeSpan? value) => value is { } v && v > TimeSpan.Zero ? v : null;
}
