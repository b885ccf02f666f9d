namespace Linnet.Proxy.Configuration;

/// <summary>Holds when its path condition (if any), every header condition, every query-parameter condition
/// and the method (if any) hold.</summary>
internal sealed record RouteMatchConfig(PathMatchConfig? Path, IReadOnlyList<HeaderMatchConfig> Headers)
{
    /// <summary>Conditions on query parameters (Gateway API <c>HTTPQueryParamMatch</c>): name compared
    /// exactly (case-sensitive), value exactly or by regular expression.</summary>
    public IReadOnlyList<QueryParamMatchConfig> QueryParams { get; init; } = [];

    /// <summary>The request method that must be used (upper case, for example <c>GET</c>); null: any.</summary>
    public string? Method { get; init; }
}
