namespace Linnet.Proxy.Configuration;

/// <summary>A condition on the request path (Gateway API <c>HTTPPathMatch</c>).</summary>
internal sealed record PathMatchConfig(PathMatchType Type, string Value);
