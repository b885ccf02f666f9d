using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Testing;

namespace Linnet.Proxy.Tests.Balancing;

public sealed class PeakEwmaProxyTests
{
    private const int Concurrency = 8;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Outbound_OneSlowEndpoint_MostRequestsGoToTheFastOnes()
    {
        await using var fastA = await HttpTestApp.StartAsync("fast-a", cancellationToken: Ct);
        await using var fastB = await HttpTestApp.StartAsync("fast-b", cancellationToken: Ct);
        await using var slow = await SlowBackend.StartAsync(TimeSpan.FromMilliseconds(200), Ct);
        await using var proxy = await TestProxy.StartAsync(1, [TestProxy.Service("backend", 80, fastA.Port, fastB.Port, slow.Port)]);
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = Concurrency, PooledConnectionLifetime = Timeout.InfiniteTimeSpan });
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));

        // Warm-up: every endpoint gets a latency sample.
        await SendAsync(client, proxy.OutboundUri, 60, deadline.Token);
        var fastBefore = fastA.RequestCount + fastB.RequestCount;
        var slowBefore = slow.RequestCount;

        const int measured = 400;
        await SendAsync(client, proxy.OutboundUri, measured, deadline.Token);

        var toFast = fastA.RequestCount + fastB.RequestCount - fastBefore;
        var toSlow = slow.RequestCount - slowBefore;
        Assert.Equal(measured, toFast + toSlow);
        Assert.True(toFast >= measured * 0.9, $"{toFast} of {measured} requests went to the fast endpoints, {toSlow} to the slow one");
        Assert.True(fastA.RequestCount > 0 && fastB.RequestCount > 0, "both fast endpoints serve");
    }

    private static async Task SendAsync(HttpClient client, Uri outbound, int count, CancellationToken cancellationToken)
    {
        var remaining = count;
        var workers = new Task[Concurrency];
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = Worker();
        }

        await Task.WhenAll(workers);

        async Task Worker()
        {
            while (Interlocked.Decrement(ref remaining) >= 0)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(outbound, "/hello"));
                request.Headers.Host = "backend";
                using var response = await client.SendAsync(request, cancellationToken);
                response.EnsureSuccessStatusCode();
            }
        }
    }
}
