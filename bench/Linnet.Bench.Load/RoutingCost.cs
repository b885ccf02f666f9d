using System.Diagnostics;
using System.Globalization;
using System.Net;
using Linnet.Proxy;
using Linnet.Proxy.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Linnet.Bench.Load;

/// <summary>The cost of routing in the proxy: one in-process backend and four in-process proxies on
/// loopback — no routes (the plain figure), 1 route, 1,000 routes with the request matching the last, a
/// 5-way weighted split — each driven by the same closed loop of keep-alive HTTP/1.1 clients, interleaved
/// round by round, reported as requests/s and as a ratio to the plain proxy of the same run.</summary>
internal static class RoutingCost
{
    public static async Task<int> RunAsync(double durationSeconds, int connections, int rounds)
    {
        var body = new byte[1024];
        await using var backend = await StartBackendAsync(body);
        var port = backend.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a).Port).Single();
        var cases = new (string Name, ServiceConfig[] Services)[]
        {
            ("plain", [Service("web", port)]),
            ("1 route", [Routed(Service("web", port), 1)]),
            ("1000 routes, last matches", [Routed(Service("web", port), 1000)]),
            ("5-way split", [.. Split(port)]),
        };

        var proxies = new List<ProxyHost>();
        try
        {
            foreach (var (_, services) in cases)
            {
                var proxy = ProxyHost.Create(Bootstrap(), new StaticProxyConfigProvider(services), logging => logging.SetMinimumLevel(LogLevel.Warning));
                await proxy.StartAsync();
                proxies.Add(proxy);
            }

            var results = new List<double>[cases.Length];
            for (var c = 0; c < cases.Length; c++)
            {
                results[c] = [];
                await MeasureAsync(proxies[c].OutboundEndPoint, connections, 0.5); // warm-up
            }

            for (var round = 0; round < rounds; round++)
            {
                for (var c = 0; c < cases.Length; c++)
                {
                    results[c].Add(await MeasureAsync(proxies[c].OutboundEndPoint, connections, durationSeconds));
                }
            }

            var plain = Median(results[0]);
            Console.WriteLine("| case | requests/s | ratio to plain |");
            Console.WriteLine("|---|---:|---:|");
            for (var c = 0; c < cases.Length; c++)
            {
                var rps = Median(results[c]);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {cases[c].Name} | {rps:F0} | {rps / plain:F3} |"));
            }

            return 0;
        }
        finally
        {
            foreach (var proxy in proxies)
            {
                await proxy.StopAsync();
                await proxy.DisposeAsync();
            }
        }
    }

    private static async Task<double> MeasureAsync(IPEndPoint proxy, int connections, double seconds)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan });
        var uri = new Uri($"http://{proxy}/api/last");
        var stop = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var counts = new long[connections];
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async worker =>
        {
            while (Stopwatch.GetTimestamp() < stop)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, uri);
                request.Headers.Host = "web";
                using var response = await client.SendAsync(request);
                await response.Content.CopyToAsync(Stream.Null);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"the proxy answered {(int)response.StatusCode}");
                }

                counts[worker]++;
            }
        }));
        return counts.Sum() / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static ServiceConfig Service(string name, int port) =>
        new(name, [], 80, ServiceProtocol.Detect, null, [new EndpointConfig("127.0.0.1", port)]);

    // N rules, each a path prefix; only the last one matches the benchmark's path.
    private static ServiceConfig Routed(ServiceConfig service, int rules)
    {
        var list = new List<RouteRuleConfig>(rules);
        for (var i = 0; i < rules; i++)
        {
            var prefix = i == rules - 1 ? "/api/last" : string.Create(CultureInfo.InvariantCulture, $"/api/r{i}");
            list.Add(new RouteRuleConfig([new RouteMatchConfig(new PathMatchConfig(PathMatchType.Prefix, prefix), [])], [new RouteBackendConfig("web:80")]));
        }

        return service with { Routes = [new RouteConfig("bench/web", list)] };
    }

    private static IEnumerable<ServiceConfig> Split(int port)
    {
        var backends = Enumerable.Range(0, 5).Select(i => Service($"web-{i}", port)).ToList();
        yield return Service("web", port) with
        {
            Routes = [new RouteConfig("bench/split", [new RouteRuleConfig([], [.. backends.Select(b => new RouteBackendConfig(b.Key, 20))])])],
        };

        foreach (var b in backends)
        {
            yield return b;
        }
    }

    private static BootstrapConfig Bootstrap() => new()
    {
        Workload = new WorkloadInfo("bench", "bench", "bench-0"),
        InboundListen = new IPEndPoint(IPAddress.Loopback, 0),
        OutboundListen = new IPEndPoint(IPAddress.Loopback, 0),
        AdminListen = new IPEndPoint(IPAddress.Loopback, 0),
        AppPort = 1,
    };

    private static async Task<WebApplication> StartBackendAsync(byte[] body)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(options => options.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.Run(context =>
        {
            context.Response.ContentLength = body.Length;
            return context.Response.Body.WriteAsync(body).AsTask();
        });
        await app.StartAsync();
        return app;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values.Count % 2 == 1 ? values[values.Count / 2] : (values[(values.Count / 2) - 1] + values[values.Count / 2]) / 2;
    }
}
