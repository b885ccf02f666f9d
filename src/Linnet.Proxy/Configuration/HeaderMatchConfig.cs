namespace Linnet.Proxy.Configuration;

/// <summary>A condition on a request header (Gateway API <c>HTTPHeaderMatch</c>): the name is compared
/// case-insensitively, the value case-sensitively.</summary>
internal sealed record HeaderMatchConfig(HeaderMatchType Type, string Name, string Value);
