namespace Linnet.Proxy.Upstream;

/// <summary>How one outbound attempt reaches its endpoint (see <see cref="OutboundClientSelector"/>).</summary>
/// <param name="Client">The pooled client.</param>
/// <param name="Prefix">The destination prefix (scheme and address).</param>
/// <param name="Mesh">Over mTLS to the endpoint's proxy: always HTTP/2.</param>
/// <param name="Tls">The tls label of the request's series.</param>
internal readonly record struct OutboundTarget(HttpMessageInvoker Client, string Prefix, bool Mesh, string Tls);
