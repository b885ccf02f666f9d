using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Linnet.Proxy.Balancing;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Telemetry;
using Linnet.Proxy.Tls;

namespace Linnet.Proxy.Upstream;

/// <summary>Builds the pooled HTTP clients the proxy forwards with: one per direction, connections
/// reused per endpoint, HTTP/2 connections multiplexed, each connection counted in the transport
/// metrics with <c>peer="dst"</c>.</summary>
internal static class UpstreamClientFactory
{
    /// <summary>The balanced endpoint a request goes to, if any: a connection opened for the request reports
    /// to it when it is ready (<see cref="EndpointState.OnConnected"/>).</summary>
    public static readonly HttpRequestOptionsKey<EndpointState> EndpointOption = new("linnet.endpoint");

    public static HttpMessageInvoker Create(Direction direction, BootstrapConfig config, ProxyMetrics metrics, TimeProvider time)
    {
        var handler = NewHandler(config);
        handler.ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = await ConnectAsync(context.DnsEndPoint, cancellationToken);
            var series = metrics.Tcp(direction, "dst", TlsLabel.Plaintext(direction));
            series.OnOpen();
            var opened = time.GetTimestamp();
            ReportReady(context, opened);
            return new CountingStream(new NetworkStream(socket, ownsSocket: true), series, () => time.GetElapsedTime(opened).TotalMilliseconds);
        };
        return new HttpMessageInvoker(handler, disposeHandler: true);
    }

    /// <summary>The outbound client for endpoints whose proxy must prove <paramref name="identity"/>: every
    /// connection is mTLS (ALPN <see cref="MeshAlpn.Http2Name"/>) and carries HTTP/2, requests from any HTTP
    /// version multiplexed onto it. The destination prefix stays <c>http://</c>: the handler speaks HTTP/2
    /// with prior knowledge over the stream this callback returns, which is already TLS. One client per
    /// identity, so that a pooled connection is only ever reused for the identity it verified.</summary>
    public static HttpMessageInvoker CreateMesh(string identity, MeshTls tls, BootstrapConfig config, ProxyMetrics metrics, TimeProvider time)
    {
        var handler = NewHandler(config);
        // The handler's timeout covers the whole callback; the TCP connect keeps its own, shorter bound, and
        // the handshake gets the rest (a first handshake in a busy process can take longer than a connect).
        handler.ConnectTimeout = config.ConnectTimeout + MeshTls.HandshakeTimeout;
        var label = TlsLabel.ForServer(identity);
        handler.ConnectCallback = async (context, cancellationToken) =>
        {
            var endPoint = context.DnsEndPoint;
            Socket socket;
            using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                connectTimeout.CancelAfter(config.ConnectTimeout);
                socket = await ConnectAsync(endPoint, connectTimeout.Token);
            }

            Stream stream;
            try
            {
                var peer = $"{endPoint.Host}:{endPoint.Port}";
                stream = await tls.ConnectAsync(new NetworkStream(socket, ownsSocket: true), identity, MeshAlpn.Http2, peer, cancellationToken);
            }
            catch (MeshTlsException)
            {
                metrics.ProxyError(Direction.Outbound, "tls_handshake_failed");
                socket.Dispose();
                throw;
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            var series = metrics.Tcp(Direction.Outbound, "dst", label);
            series.OnOpen();
            var opened = time.GetTimestamp();
            ReportReady(context, opened);
            return new CountingStream(stream, series, () => time.GetElapsedTime(opened).TotalMilliseconds);
        };
        return new HttpMessageInvoker(handler, disposeHandler: true);
    }

    private static void ReportReady(SocketsHttpConnectionContext context, long timestamp)
    {
        if (context.InitialRequestMessage.Options.TryGetValue(EndpointOption, out var endpoint))
        {
            endpoint.OnConnected(timestamp);
        }
    }

    private static SocketsHttpHandler NewHandler(BootstrapConfig config) => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        EnableMultipleHttp2Connections = true,
        ActivityHeadersPropagator = DistributedContextPropagator.CreateNoOutputPropagator(),
        ConnectTimeout = config.ConnectTimeout,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
    };

    private static async Task<Socket> ConnectAsync(DnsEndPoint endPoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
