using System.Net;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Linnet.Proxy.Tests.Infrastructure;

/// <summary>A real proxy on loopback ephemeral ports, in this process.</summary>
internal sealed class TestProxy : IAsyncDisposable
{
    private static readonly HttpClient Admin = new();

    private TestProxy(ProxyHost host)
    {
        Host = host;
    }

    public ProxyHost Host { get; }

    public IPEndPoint Inbound => Host.InboundEndPoint;

    public IPEndPoint Outbound => Host.OutboundEndPoint;

    public Uri InboundUri => new($"http://{Inbound}");

    public Uri OutboundUri => new($"http://{Outbound}");

    public Uri AdminUri => new($"http://{Host.AdminEndPoint}");

    /// <summary>Starts a proxy. Routing config: <paramref name="provider"/> if given, else the control plane when
    /// <paramref name="configure"/> sets <see cref="BootstrapConfig.ControlPlaneAddress"/>, else <paramref name="services"/>.</summary>
    public static async Task<TestProxy> StartAsync(int appPort, IReadOnlyList<ServiceConfig>? services = null, Func<BootstrapConfig, BootstrapConfig>? configure = null, IProxyConfigProvider? provider = null, Random? random = null, ProxyIdentity? identity = null, TimeProvider? time = null)
    {
        var bootstrap = new BootstrapConfig
        {
            Workload = new WorkloadInfo("test", "web", "web-0"),
            InboundListen = new IPEndPoint(IPAddress.Loopback, 0),
            OutboundListen = new IPEndPoint(IPAddress.Loopback, 0),
            AdminListen = new IPEndPoint(IPAddress.Loopback, 0),
            AppPort = appPort,
            DrainTimeout = TimeSpan.FromSeconds(5),
        };
        bootstrap = configure?.Invoke(bootstrap) ?? bootstrap;
        provider ??= bootstrap.ControlPlaneAddress is null ? new StaticProxyConfigProvider(services ?? [], bootstrap.DefaultInboundPolicy) : null;
        var host = ProxyHost.Create(bootstrap, provider, logging => logging.SetMinimumLevel(LogLevel.Warning), time: time, random: random,
            services: identity is null ? null : s => s.AddSingleton(identity));
        await host.StartAsync();
        return new TestProxy(host);
    }

    public static ServiceConfig Service(string name, int port, params int[] endpointPorts) =>
        new(name, [], port, ServiceProtocol.Detect, null, endpointPorts.Select(p => new EndpointConfig("127.0.0.1", p)).ToList());

    public async Task<MetricsScrape> ScrapeAsync() =>
        new(await Admin.GetStringAsync(new Uri(AdminUri, "/metrics")));

    /// <summary>Response counters are written as the response ends, which a client can observe a moment
    /// before the proxy has counted it: wait (bounded) until the count reaches what was sent.</summary>
    public async Task<MetricsScrape> ScrapeWhenAsync(Func<MetricsScrape, bool> condition, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var scrape = await ScrapeAsync();
            if (condition(scrape))
            {
                return scrape;
            }

            if (cts.IsCancellationRequested)
            {
                throw new TimeoutException("metrics never reached the expected state:\n" + scrape.Text);
            }

            await Task.Yield();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        await Host.DisposeAsync();
    }
}
