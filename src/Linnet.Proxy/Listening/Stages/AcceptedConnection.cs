using System.Net.Security;
using System.Net.Sockets;
using Linnet.Proxy.Connections;
using Linnet.Proxy.Detection;
using Linnet.Proxy.Telemetry;
using Linnet.Proxy.Tls;

namespace Linnet.Proxy.Listening.Stages;

/// <summary>One accepted connection as it passes the connection stages (<see cref="ConnectionPipeline"/>): what
/// each stage learnt, for the stages after it.</summary>
internal sealed class AcceptedConnection
{
    private readonly ProxyMetrics _metrics;
    private readonly TimeProvider _time;
    private long _opened;
    private int _closed;

    /// <summary>A connection just accepted by a listener of <paramref name="role"/> bound to
    /// <paramref name="listenPort"/>; <paramref name="servicePort"/> for a service's own listener.</summary>
    public AcceptedConnection(Socket socket, ListenerRole role, int listenPort, int? servicePort, bool meshCandidate, ProxyMetrics metrics, TimeProvider time, ConnectionDrain drain)
    {
        Socket = socket;
        Role = role;
        ListenPort = listenPort;
        ServicePort = servicePort;
        MeshCandidate = meshCandidate;
        Drain = drain;
        _metrics = metrics;
        _time = time;
        Feature = new ProxyConnectionFeature(role, null, null, 0);
    }

    /// <summary>The accepted socket.</summary>
    public Socket Socket { get; }

    /// <summary>The listener that accepted it.</summary>
    public ListenerRole Role { get; }

    /// <summary>The port the accepting listener is bound to.</summary>
    public int ListenPort { get; }

    /// <summary>The local port of a service's own listener.</summary>
    public int? ServicePort { get; }

    /// <summary>Inbound with mTLS on: the connection may be a client proxy's, so its series waits for the
    /// handshake to name the client.</summary>
    public bool MeshCandidate { get; }

    /// <summary>The listener's shutdown state and the opaque connections it drains.</summary>
    public ConnectionDrain Drain { get; }

    /// <summary>What the stages learnt about the connection (role, original destination, target, identity).</summary>
    public ProxyConnectionFeature Feature { get; set; }

    /// <summary>The protocol detection (and the mesh ALPN) chose.</summary>
    public DetectedProtocol Protocol { get; set; } = DetectedProtocol.NeedMore;

    /// <summary>The client proxy's mTLS session, once terminated; null for plaintext.</summary>
    public SslStream? MeshStream { get; set; }

    /// <summary>The gate the relay half-closes <see cref="MeshStream"/> through.</summary>
    public TlsShutdownGate? MeshGate { get; set; }

    /// <summary>The connection's transport series, once opened.</summary>
    public TcpSeries? Series { get; private set; }

    /// <summary>True once another owner (Kestrel) closes the socket and the series.</summary>
    public bool HandedOff { get; set; }

    /// <summary>Opens the connection's transport series with <paramref name="tlsLabel"/>.</summary>
    public TcpSeries OpenSeries(string tlsLabel)
    {
        var series = _metrics.Tcp(Feature.Direction, "src", tlsLabel);
        series.OnOpen();
        _opened = _time.GetTimestamp();
        Series = series;
        return series;
    }

    /// <summary>The series in effect, opened as plaintext if none is yet.</summary>
    public TcpSeries SeriesOrPlaintext() => Series ?? OpenSeries(TlsLabel.Plaintext(Feature.Direction));

    /// <summary>Milliseconds since the series opened.</summary>
    public double ElapsedMs() => _time.GetElapsedTime(_opened).TotalMilliseconds;

    /// <summary>Closes the series (once; nothing when none was opened).</summary>
    public void CloseSeries()
    {
        if (Series is { } series && Interlocked.Exchange(ref _closed, 1) == 0)
        {
            series.OnClose(ElapsedMs());
        }
    }
}
