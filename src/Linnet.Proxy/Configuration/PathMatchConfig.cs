namespace Linnet.Proxy.Configuration;

/// <summary>A condition on the request path (Gateway API <c>HTTPPathMatch</c>).</summary>
public sealed record PathMatchConfig(PathMatchType Type, string Value);
