namespace Linnet.Proxy.Http.Stages;

/// <summary>The HTTP request path: the stages every request passes, in the one place their order is declared
/// (docs/architecture.md): raw-head checks → inbound authorization → destination → route → filters → mirror →
/// retry → balance → forward.</summary>
internal sealed class RequestPipeline
{
    private readonly ProxyRequestDelegate _entry;

    /// <summary>Composes the stages in their order; <paramref name="forward"/> ends the path.</summary>
    public RequestPipeline(HeadChecksStage headChecks, InboundAuthorizationStage inboundAuthorization, DestinationStage destination, RouteStage route,
        FiltersStage filters, MirrorStage mirror, RetryStage retry, BalanceStage balance, ForwardStage forward)
        : this([headChecks, inboundAuthorization, destination, route, filters, mirror, retry, balance, forward])
    {
    }

    /// <summary>Composes <paramref name="stages"/> in the given order (tests compose parts of the path).</summary>
    public RequestPipeline(IReadOnlyList<IRequestStage> stages)
    {
        ArgumentNullException.ThrowIfNull(stages);
        Stages = stages;
        ProxyRequestDelegate next = static _ => Task.CompletedTask;
        for (var i = stages.Count - 1; i >= 0; i--)
        {
            var stage = stages[i];
            var after = next;
            next = request => stage.InvokeAsync(request, after);
        }

        _entry = next;
    }

    /// <summary>The stages, in order.</summary>
    public IReadOnlyList<IRequestStage> Stages { get; }

    /// <summary>Runs <paramref name="request"/> through the stages.</summary>
    public Task RunAsync(RequestState request) => _entry(request);
}
