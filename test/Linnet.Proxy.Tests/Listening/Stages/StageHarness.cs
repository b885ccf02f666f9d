using System.Net;
using System.Net.Sockets;
using System.Text;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Connections;
using Linnet.Proxy.Listening.Stages;
using Linnet.Proxy.Telemetry;
using Linnet.Proxy.Tests.Infrastructure;

namespace Linnet.Proxy.Tests.Listening.Stages;

/// <summary>A real loopback connection accepted the way a listener accepts it, wrapped as the
/// <see cref="AcceptedConnection"/> a stage sees; the client end stays with the test.</summary>
internal sealed class StageHarness : IAsyncDisposable
{
    private StageHarness(Socket client, Socket accepted, ProxyMetrics metrics, int listenPort)
    {
        Client = client;
        Accepted = accepted;
        Metrics = metrics;
        ListenPort = listenPort;
    }

    public Socket Client { get; }

    public Socket Accepted { get; }

    public ProxyMetrics Metrics { get; }

    public int ListenPort { get; }

    public ConnectionDrain Drain { get; } = new();

    public static BootstrapConfig Bootstrap(int appPort = 8080) => new()
    {
        Workload = new WorkloadInfo("test", "web", "web-0"),
        InboundListen = new IPEndPoint(IPAddress.Loopback, 0),
        OutboundListen = new IPEndPoint(IPAddress.Loopback, 0),
        AppPort = appPort,
        TransparentMode = false,
        DetectTimeout = TimeSpan.FromSeconds(5),
    };

    public static async Task<StageHarness> ConnectAsync(CancellationToken cancellationToken)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!, cancellationToken);
        var accepted = await listener.AcceptAsync(cancellationToken);
        return new StageHarness(client, accepted, new ProxyMetrics(new WorkloadInfo("test", "web", "web-0"), TimeProvider.System), ((IPEndPoint)listener.LocalEndPoint!).Port);
    }

    public AcceptedConnection Connection(ListenerRole role, bool meshCandidate = false, int? servicePort = null) =>
        new(Accepted, role, ListenPort, servicePort, meshCandidate, Metrics, TimeProvider.System, Drain);

    public Task SendAsync(string text, CancellationToken cancellationToken) =>
        Client.SendAsync(Encoding.ASCII.GetBytes(text), SocketFlags.None, cancellationToken).AsTask();

    public MetricsScrape Scrape()
    {
        var sb = new StringBuilder();
        Metrics.WriteTo(sb);
        return new MetricsScrape(sb.ToString());
    }

    public ValueTask DisposeAsync()
    {
        Client.Dispose();
        Accepted.Dispose();
        Drain.Dispose();
        return ValueTask.CompletedTask;
    }
}
