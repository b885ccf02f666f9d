using Linnet.Proxy.Telemetry;

namespace Linnet.Proxy.Http.Stages;

/// <summary>The HTTP request path: the stages in the one place their order is declared (docs/architecture.md):
/// raw-head checks → inbound authorization → destination → route → filters → mirror → retry → balance → forward.
/// The order is one; the chains a request runs are composed from it once, when the proxy starts, so that a request
/// visits only the stages that act on it (linkerd2-proxy builds its route stack the same way):
/// <list type="bullet">
/// <item>inbound: head-checks → inbound-authorization → route (classifies) → forward;</item>
/// <item>outbound, up to the route: head-checks → destination → route; then, by what the route picked:</item>
/// <item>no rule, or a rule without filters: balance → forward (the short chain);</item>
/// <item>a rule with filters: filters → retry → balance → forward, with mirror before retry when the rule mirrors or
/// retries (the mirror stage also keeps the body a retry replays).</item>
/// </list></summary>
internal sealed class RequestPipeline
{
    private readonly ProxyRequestDelegate _inbound;
    private readonly ProxyRequestDelegate _outbound;
    private readonly ProxyRequestDelegate _short;
    private readonly ProxyRequestDelegate _policy;
    private readonly ProxyRequestDelegate _policyWithMirror;

    /// <summary>Composes the chains from the stages.</summary>
    public RequestPipeline(HeadChecksStage headChecks, InboundAuthorizationStage inboundAuthorization, DestinationStage destination, RouteStage route,
        FiltersStage filters, MirrorStage mirror, RetryStage retry, BalanceStage balance, ForwardStage forward)
    {
        Stages = [headChecks, inboundAuthorization, destination, route, filters, mirror, retry, balance, forward];
        IRequestStage[] inbound = [headChecks, inboundAuthorization, route, forward];
        IRequestStage[] outbound = [headChecks, destination, route];
        IRequestStage[] plain = [balance, forward];
        IRequestStage[] policy = [filters, retry, balance, forward];
        IRequestStage[] policyWithMirror = [filters, mirror, retry, balance, forward];
        _inbound = Compose(inbound, End);
        _short = Compose(plain, End);
        _policy = Compose(policy, End);
        _policyWithMirror = Compose(policyWithMirror, End);
        _outbound = Compose(outbound, AfterRoute);
        Chains = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
        {
            ["inbound"] = Names(inbound),
            ["outbound"] = Names([.. outbound, .. plain]),
            ["outbound-filters"] = Names([.. outbound, .. policy]),
            ["outbound-filters-mirror-or-retry"] = Names([.. outbound, .. policyWithMirror]),
        };
    }

    /// <summary>The stages, in the declared order.</summary>
    public IReadOnlyList<IRequestStage> Stages { get; }

    /// <summary>The stage names of each chain a request can run, for tests and the docs.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Chains { get; }

    /// <summary>Runs <paramref name="request"/> through its direction's chain.</summary>
    public Task RunAsync(RequestState request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Direction == Direction.Inbound ? _inbound(request) : _outbound(request);
    }

    // The chain after the route, chosen by the filters of the rule (and backend) the route picked.
    private Task AfterRoute(RequestState request) => request.Policy switch
    {
        null => _short(request),
        { Mirror: null, Retry: null } => _policy(request),
        _ => _policyWithMirror(request),
    };

    private static Task End(RequestState request) => Task.CompletedTask;

    private static ProxyRequestDelegate Compose(IRequestStage[] stages, ProxyRequestDelegate last)
    {
        var next = last;
        for (var i = stages.Length - 1; i >= 0; i--)
        {
            var stage = stages[i];
            var after = next;
            next = request => stage.InvokeAsync(request, after);
        }

        return next;
    }

    private static IReadOnlyList<string> Names(IRequestStage[] stages) => [.. stages.Select(s => s.Name)];
}
