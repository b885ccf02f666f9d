using Linnet.Proxy.Balancing;
using Linnet.Proxy.Resilience;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;
using Linnet.Proxy.Filters;
using Linnet.Proxy.Upstream;

namespace Linnet.Proxy.Http;

/// <summary>Per-attempt transform: keeps the client's <c>Host</c>, drops headers that the
/// <c>Connection</c> header nominates as hop-by-hop (RFC 9110 §7.6.1), and notes when the upstream's
/// response headers arrived (time to first byte, Linkerd's <c>response_latency_ms</c>). With a route's
/// filters, it also modifies the response headers, and swallows a response that will be retried before
/// anything of it reaches the client (YARP copies no header and no body when this returns false). The
/// endpoint's request counts as pending until its response head arrives, as in Linkerd's balancer (tower's
/// <c>CompleteOnResponse</c>): a long response body is the client's pace, not load on the endpoint.</summary>
internal sealed class ForwardState(long startTimestamp) : HttpTransformer
{
    private EndpointState? _pending;
    private EndpointState? _endpoint;

    public long StartTimestamp { get; } = startTimestamp;

    public long ResponseHeadersTimestamp { get; private set; }

    public Func<long>? Clock { get; init; }

    /// <summary>Headers the raw request's <c>Connection</c> header nominated (Kestrel's parsed value loses them).</summary>
    public IReadOnlyList<string> HopByHop { get; init; } = [];

    /// <summary>The rule's response header modifier, if any.</summary>
    public HeaderModifier? ResponseHeaders { get; init; }

    /// <summary>Set when a retriable response may be retried.</summary>
    public RetryState? Retry { get; init; }

    /// <summary>True when the response was retriable and retried: nothing of it was passed on.</summary>
    public bool Suppressed { get; private set; }

    /// <summary>Counts a request to <paramref name="endpoint"/> as pending until <see cref="EndPending"/>.</summary>
    public void BeginPending(EndpointState endpoint)
    {
        endpoint.Begin();
        _pending = endpoint;
        _endpoint = endpoint;
    }

    /// <summary>Ends the pending count begun by <see cref="BeginPending"/>: at the response head, or when the
    /// forward ends without one; only the first call counts.</summary>
    public void EndPending() => Interlocked.Exchange(ref _pending, null)?.End();

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        if (_endpoint is not null)
        {
            // A connection this request opens tells its endpoint when it became ready (UpstreamClientFactory).
            proxyRequest.Options.Set(UpstreamClientFactory.EndpointOption, _endpoint);
        }

        var host = httpContext.Request.Host;
        if (host.HasValue)
        {
            proxyRequest.Headers.Host = host.Value;
        }

        foreach (var name in HopByHop)
        {
            proxyRequest.Headers.Remove(name);
            proxyRequest.Content?.Headers.Remove(name);
        }
    }

    /// <summary>The upstream's response head arrived: notes when (time to first byte) and ends the pending count.</summary>
    public void OnResponseHead()
    {
        ResponseHeadersTimestamp = Clock?.Invoke() ?? 0;
        EndPending();
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        OnResponseHead();
        if (proxyResponse is not null && Retry is { } retry && retry.TryRetry(retry.IsRetriable(proxyResponse)))
        {
            Suppressed = true;
            return false;
        }

        var result = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        if (proxyResponse is not null && proxyResponse.Headers.Connection.Count > 0)
        {
            foreach (var name in proxyResponse.Headers.Connection)
            {
                if (!name.Equals("close", StringComparison.OrdinalIgnoreCase) && !name.Equals("keep-alive", StringComparison.OrdinalIgnoreCase) && !name.Equals("upgrade", StringComparison.OrdinalIgnoreCase))
                {
                    httpContext.Response.Headers.Remove(name);
                }
            }
        }

        ResponseHeaders?.Apply(httpContext.Response.Headers);
        return result;
    }
}
