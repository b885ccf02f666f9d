namespace Linnet.Proxy.Http;

/// <summary>The header that tells a client the proxy itself produced a response, and why (as Linkerd's
/// <c>l5d-proxy-error</c>).</summary>
internal static class ProxyErrors
{
    /// <summary>Header name.</summary>
    public const string Header = "l5d-proxy-error";
}
