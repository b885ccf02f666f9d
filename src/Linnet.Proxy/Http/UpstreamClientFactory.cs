using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Telemetry;

namespace Linnet.Proxy.Http;

/// <summary>Builds the pooled HTTP clients the proxy forwards with: one per direction, connections
/// reused per endpoint, HTTP/2 connections multiplexed, each connection counted in the transport
/// metrics with <c>peer="dst"</c>.</summary>
internal static class UpstreamClientFactory
{
    public static HttpMessageInvoker Create(Direction direction, BootstrapConfig config, ProxyMetrics metrics, TimeProvider time)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            ActivityHeadersPropagator = DistributedContextPropagator.CreateNoOutputPropagator(),
            ConnectTimeout = config.ConnectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }

                var series = metrics.Tcp(direction, "dst", TlsLabel.Plaintext(direction));
                series.OnOpen();
                var opened = time.GetTimestamp();
                return new CountingStream(new NetworkStream(socket, ownsSocket: true), series, () => time.GetElapsedTime(opened).TotalMilliseconds);
            },
        };
        return new HttpMessageInvoker(handler, disposeHandler: true);
    }
}
