namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Gateway API <c>RequestRedirect</c>: answer with a redirect to the request's URL with these parts replaced.</summary>
/// <param name="Scheme"><c>http</c> or <c>https</c>; null: the request's.</param>
/// <param name="Hostname">Null: the request's host.</param>
/// <param name="Path">Null: the request's path.</param>
/// <param name="Port">Null: derived as Gateway API says (the scheme's well-known port, else the Service port).</param>
/// <param name="StatusCode">301, 302 (the default), 303, 307 or 308.</param>
public sealed record RequestRedirect(string? Scheme, string? Hostname, HttpPathModifier? Path, int? Port, int StatusCode);
