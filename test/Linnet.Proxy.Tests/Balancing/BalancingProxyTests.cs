using System.Diagnostics;
using System.Net;
using Linnet.Proxy.Tests.Infrastructure;
using Linnet.Proxy.Tests.Resilience;

namespace Linnet.Proxy.Tests.Balancing;

/// <summary>Request-level balancing through a real proxy: a slowdown moves traffic away fast, and one HTTP/2
/// connection from the app is spread over every endpoint.</summary>
public sealed class BalancingProxyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Outbound_OneOfThreeSlowedBy50Ms_AtLeast90PercentGoToTheOthersWithin2Seconds()
    {
        var slowed = false;
        var backends = new ScriptedBackend[3];
        for (var i = 0; i < backends.Length; i++)
        {
            var index = i;
            backends[i] = await ScriptedBackend.StartAsync(async (context, _) =>
            {
                // The slowdown is the behaviour under test, not a stand-in for synchronisation.
                if (index == 0 && Volatile.Read(ref slowed))
                {
                    await Task.Delay(50, context.RequestAborted);
                }

                await ScriptedBackend.Ok(context);
            }, Ct);
        }

        try
        {
            await using var proxy = await TestProxy.StartAsync(1, [TestProxy.Service("backend", 80, backends.Select(b => b.Port).ToArray())]);
            using var client = ProxyLoad.Client();
            // Warm every endpoint up before the slowdown. With equal endpoints P2C spreads about evenly, but a
            // loaded machine can make one look slow for a moment and peak-EWMA rightly sends it less for a while,
            // so the warm-up goes on (bounded) until each has served a share of it, rather than for a fixed count.
            await ProxyLoad.RunAsync(client, 300, _ => ProxyLoad.Get(proxy, "backend", "/"), Ct);
            for (var round = 0; round < 20 && backends.Any(b => b.RequestCount <= 30); round++)
            {
                await ProxyLoad.RunAsync(client, 100, _ => ProxyLoad.Get(proxy, "backend", "/"), Ct);
            }

            Assert.All(backends, b => Assert.True(b.RequestCount > 30, "every endpoint serves before the slowdown"));

            Volatile.Write(ref slowed, true);
            var slowedAt = Stopwatch.GetTimestamp();

            // Traffic keeps flowing for the first 2 s after the slowdown; then a measured window.
            while (Stopwatch.GetElapsedTime(slowedAt) < TimeSpan.FromSeconds(2))
            {
                await ProxyLoad.RunAsync(client, 50, _ => ProxyLoad.Get(proxy, "backend", "/"), Ct);
            }

            var before = backends.Select(b => b.RequestCount).ToArray();
            const int Measured = 500;
            var statuses = await ProxyLoad.RunAsync(client, Measured, _ => ProxyLoad.Get(proxy, "backend", "/"), Ct);

            Assert.Equal(Measured, statuses.GetValueOrDefault(HttpStatusCode.OK));
            var toSlow = backends[0].RequestCount - before[0];
            Assert.True(toSlow <= Measured * 0.1, $"{toSlow} of {Measured} requests went to the slowed endpoint");
        }
        finally
        {
            foreach (var backend in backends)
            {
                await backend.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Outbound_OneHttp2ConnectionFromTheApp_SpreadOverEveryEndpoint()
    {
        var backends = new ScriptedBackend[3];
        for (var i = 0; i < backends.Length; i++)
        {
            backends[i] = await ScriptedBackend.StartAsync((context, _) => ScriptedBackend.Ok(context), Ct, Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2);
        }

        try
        {
            await using var proxy = await TestProxy.StartAsync(1, [TestProxy.Service("backend", 80, backends.Select(b => b.Port).ToArray())]);
            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, EnableMultipleHttp2Connections = false })
            {
                DefaultRequestVersion = HttpVersion.Version20,
                DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };

            const int Total = 600;
            var statuses = await ProxyLoad.RunAsync(client, Total, _ =>
            {
                var request = ProxyLoad.Get(proxy, "backend", "/");
                request.Version = HttpVersion.Version20;
                request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
                return request;
            }, Ct);

            Assert.Equal(Total, statuses.GetValueOrDefault(HttpStatusCode.OK));
            Assert.All(backends, b => Assert.True(b.RequestCount >= Total / 10, $"endpoint got {b.RequestCount} of {Total}"));
            var scrape = await proxy.ScrapeAsync();
            Assert.Equal(1, scrape.Sum("tcp_open_total", ("direction", "outbound"), ("peer", "src")));
        }
        finally
        {
            foreach (var backend in backends)
            {
                await backend.DisposeAsync();
            }
        }
    }
}
