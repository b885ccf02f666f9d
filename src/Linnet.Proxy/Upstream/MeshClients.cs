using System.Collections.Concurrent;
using Linnet.Proxy.Configuration;
using Linnet.Proxy.Telemetry;
using Linnet.Proxy.Tls;

namespace Linnet.Proxy.Upstream;

/// <summary>The outbound HTTP clients for meshed endpoints, one per identity (see
/// <see cref="UpstreamClientFactory.CreateMesh"/>), made on first use. Identities are few — one per service
/// account this proxy calls — so clients are kept for the life of the proxy.</summary>
internal sealed class MeshClients(MeshTls tls, BootstrapConfig config, ProxyMetrics metrics, TimeProvider time) : IDisposable
{
    private readonly MeshTls _tls = tls;
    private readonly BootstrapConfig _config = config;
    private readonly ProxyMetrics _metrics = metrics;
    private readonly TimeProvider _time = time;
    private readonly ConcurrentDictionary<string, HttpMessageInvoker> _clients = new(StringComparer.Ordinal);

    /// <summary>The client for <paramref name="endpoint"/> when it is reached over mTLS: it names an identity
    /// and this proxy has one. False: plaintext, as without a mesh.</summary>
    public bool TryGet(EndpointConfig endpoint, out HttpMessageInvoker client, out string tlsLabel)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!_tls.Enabled || endpoint.Identity is not { } identity)
        {
            client = null!;
            tlsLabel = TlsLabel.OutboundPlaintext;
            return false;
        }

        client = _clients.GetOrAdd(identity, static (id, self) => UpstreamClientFactory.CreateMesh(id, self._tls, self._config, self._metrics, self._time), this);
        tlsLabel = TlsLabel.ForServer(identity);
        return true;
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }
}
