namespace Linnet.Proxy.Configuration;

/// <summary>A condition on a query parameter (Gateway API <c>HTTPQueryParamMatch</c>): the name is compared
/// case-sensitively, the value exactly or by a regular expression over the whole (decoded) value.</summary>
internal sealed record QueryParamMatchConfig(HeaderMatchType Type, string Name, string Value);
