using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;

namespace Linnet.Proxy.Http;

/// <summary>Per-request transform: keeps the client's <c>Host</c>, drops headers that the
/// <c>Connection</c> header nominates as hop-by-hop (RFC 9110 §7.6.1), and notes when the upstream's
/// response headers arrived (time to first byte, Linkerd's <c>response_latency_ms</c>).</summary>
internal sealed class ForwardState(long startTimestamp) : HttpTransformer
{
    public long StartTimestamp { get; } = startTimestamp;

    public long ResponseHeadersTimestamp { get; private set; }

    public Func<long>? Clock { get; init; }

    /// <summary>Headers the raw request's <c>Connection</c> header nominated (Kestrel's parsed value loses them).</summary>
    public IReadOnlyList<string> HopByHop { get; init; } = [];

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
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

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        ResponseHeadersTimestamp = Clock?.Invoke() ?? 0;
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

        return result;
    }
}
