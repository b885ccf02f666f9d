namespace Linnet.EndToEnd.Tests.Infrastructure;

/// <summary>One answer the client's proxy gave: status, the instance and version that answered (from a
/// <c>backend &lt;instance&gt; v&lt;version&gt;</c> body), the proxy's <c>l5d-proxy-error</c>, and how long it took.</summary>
internal sealed record Reply(int Status, string? Instance, string? Version, string? ProxyError, TimeSpan Elapsed, string Body)
{
    public bool Ok => Status == 200 && Instance is not null;

    public override string ToString() => $"{Status} {Instance} {Version} l5d-proxy-error={ProxyError} ({Elapsed.TotalMilliseconds:F0} ms) {Body}";
}
