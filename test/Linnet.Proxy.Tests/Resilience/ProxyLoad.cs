using System.Collections.Concurrent;
using System.Net;
using Linnet.Proxy.Tests.Infrastructure;

namespace Linnet.Proxy.Tests.Resilience;

/// <summary>Sends a bounded number of requests through a proxy's outbound listener over a few parallel
/// keep-alive connections, and counts the statuses.</summary>
internal static class ProxyLoad
{
    public static HttpClient Client(int connections = 8) =>
        new(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan });

    public static HttpRequestMessage Get(TestProxy proxy, string host, string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(proxy.OutboundUri, path));
        request.Headers.Host = host;
        return request;
    }

    /// <summary>Sends <paramref name="total"/> requests (<paramref name="request"/> builds the i-th) with
    /// <paramref name="workers"/> in parallel, within a minute; returns the count of each status.</summary>
    public static async Task<IReadOnlyDictionary<HttpStatusCode, int>> RunAsync(HttpClient client, int total, Func<int, HttpRequestMessage> request, CancellationToken cancellationToken, int workers = 8)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        var statuses = new ConcurrentDictionary<HttpStatusCode, int>();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < total)
            {
                using var message = request(i);
                using var response = await client.SendAsync(message, deadline.Token);
                await response.Content.ReadAsByteArrayAsync(deadline.Token);
                statuses.AddOrUpdate(response.StatusCode, 1, static (_, n) => n + 1);
            }
        }));
        return statuses;
    }
}
