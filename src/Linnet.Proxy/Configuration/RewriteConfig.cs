namespace Linnet.Proxy.Configuration;

/// <summary>Changes to the forwarded request (Gateway API <c>URLRewrite</c>).</summary>
/// <param name="Hostname">Replaces the Host/:authority; null keeps it.</param>
/// <param name="Path">Changes the path (the query is kept); null keeps it.</param>
internal sealed record RewriteConfig(string? Hostname, PathModifierConfig? Path);
