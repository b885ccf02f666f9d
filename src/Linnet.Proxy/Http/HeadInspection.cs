namespace Linnet.Proxy.Http;

/// <summary>What the raw bytes of an HTTP/1 request head say that Kestrel's parsed view hides.</summary>
/// <param name="ConflictingFraming">Both <c>Content-Length</c> and <c>Transfer-Encoding</c> were sent.</param>
/// <param name="Nominated">Header names the <c>Connection</c> header marks as hop-by-hop.</param>
internal sealed record HeadInspection(bool ConflictingFraming, IReadOnlyList<string> Nominated)
{
    /// <summary>Nothing is known (the head was not captured).</summary>
    public static HeadInspection Unknown { get; } = new(false, []);
}
