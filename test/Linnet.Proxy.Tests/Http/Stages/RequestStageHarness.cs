using System.Buffers;
using System.Net;
using System.Text;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Connections;
using Linnet.Proxy.Http;
using Linnet.Proxy.Http.Stages;
using Linnet.Proxy.Routing;
using Linnet.Proxy.Tap;
using Linnet.Proxy.Telemetry;
using Linnet.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Linnet.Proxy.Tests.Http.Stages;

/// <summary>What an HTTP request stage needs to run alone: a request, its connection, the model of a config
/// (services and inbound policy), and the proxy's responses with metrics to read back.</summary>
internal sealed class RequestStageHarness : IDisposable
{
    private readonly ServiceTable _table;

    public RequestStageHarness(IReadOnlyList<ServiceConfig>? services = null, InboundPolicyConfig? policy = null)
    {
        var bootstrap = new BootstrapConfig { Workload = new WorkloadInfo("test", "web", "web-0") };
        Metrics = new ProxyMetrics(bootstrap.Workload, TimeProvider.System);
        Responses = new ProxyResponses(Metrics, TimeProvider.System, new TapHub(bootstrap, TimeProvider.System), NullLogger<ProxyResponses>.Instance);
        var snapshot = new ProxyConfigSnapshot("v1", services ?? [], new Microsoft.Extensions.Primitives.CancellationChangeToken(CancellationToken.None))
        {
            InboundPolicy = policy ?? InboundPolicyConfig.AllowAll,
        };
        _table = new ServiceTable(new FixedProvider(snapshot), NullLogger<ServiceTable>.Instance, TimeProvider.System);
    }

    public ProxyMetrics Metrics { get; }

    public ProxyResponses Responses { get; }

    public ProxyModel Model => _table.Current;

    public static DefaultHttpContext Context(string host, string path = "/")
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Host = new HostString(host);
        context.Request.Path = path;
        context.Request.Protocol = "HTTP/1.1";
        context.Response.Body = new MemoryStream();
        context.Connection.RemoteIpAddress = IPAddress.Loopback;
        return context;
    }

    public static Http1HeadCapture Capture(string head)
    {
        var capture = new Http1HeadCapture();
        capture.OnConsumed(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(head)));
        return capture;
    }

    public RequestState Request(HttpContext context, ListenerRole role, int targetPort = 8080) =>
        new(context, new ProxyConnectionFeature(role, null, null, targetPort), TimeProvider.System.GetTimestamp(), Model);

    public MetricsScrape Scrape()
    {
        var sb = new StringBuilder();
        Metrics.WriteTo(sb);
        return new MetricsScrape(sb.ToString());
    }

    public static string Body(HttpContext context)
    {
        context.Response.Body.Position = 0;
        return new StreamReader(context.Response.Body).ReadToEnd();
    }

    public void Dispose() => _table.Dispose();

    private sealed class FixedProvider(ProxyConfigSnapshot snapshot) : IProxyConfigProvider
    {
        public ProxyConfigSnapshot GetConfig() => snapshot;
    }
}
