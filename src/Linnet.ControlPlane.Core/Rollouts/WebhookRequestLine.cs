namespace Linnet.ControlPlane.Core.Rollouts;

/// <summary>What of a webhook request the <c>es256</c> signature binds besides its body and time, so a signed call
/// cannot be replayed to another receiver or endpoint: the method, the authority (the <c>Host</c> header as sent)
/// and the path with its query.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="Authority">The <c>Host</c> header: host, and <c>:port</c> unless the scheme's default.</param>
/// <param name="PathAndQuery">The request target's path and query (<c>/gate/open</c>).</param>
public sealed record WebhookRequestLine(string Method, string Authority, string PathAndQuery)
{
    /// <summary>The request line an <see cref="HttpClient"/> sends for <paramref name="method"/> to <paramref name="url"/>.</summary>
    public static WebhookRequestLine For(string method, Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return new(method, url.IsDefaultPort ? url.IdnHost : $"{url.IdnHost}:{url.Port}", url.PathAndQuery);
    }
}
