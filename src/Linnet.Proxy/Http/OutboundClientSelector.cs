using Linnet.Proxy.Balancing;

namespace Linnet.Proxy.Http;

/// <summary>The one place that decides how an outbound endpoint is reached: which pooled client, and which
/// destination prefix (scheme and address). Every outbound forward — first attempts, retries, mirrored
/// copies — goes through here.</summary>
internal sealed class OutboundClientSelector(HttpMessageInvoker plaintext)
{
    /// <summary>The client for <paramref name="endpoint"/>, and its destination prefix.</summary>
    public HttpMessageInvoker Select(EndpointState endpoint, out string prefix)
    {
        prefix = endpoint.HttpPrefix;
        return plaintext;
    }
}
