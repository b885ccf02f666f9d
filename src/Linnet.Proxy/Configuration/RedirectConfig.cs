namespace Linnet.Proxy.Configuration;

/// <summary>Answer with a redirect instead of forwarding (Gateway API <c>RequestRedirect</c>).</summary>
/// <param name="Scheme"><c>http</c> or <c>https</c>; null keeps the request's.</param>
/// <param name="Hostname">Null keeps the request's host.</param>
/// <param name="Path">Null keeps the request's path.</param>
/// <param name="Port">Null: the scheme's well-known port when a scheme is set, else the port the request was sent to.</param>
/// <param name="StatusCode">301, 302, 303, 307 or 308.</param>
internal sealed record RedirectConfig(string? Scheme, string? Hostname, PathModifierConfig? Path, int? Port, int StatusCode = 302);
