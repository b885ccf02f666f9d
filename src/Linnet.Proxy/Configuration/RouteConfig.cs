namespace Linnet.Proxy.Configuration;

/// <summary>An HTTPRoute or GRPCRoute attached to a service port: its rules, in precedence order.</summary>
/// <param name="Name">The route's <c>namespace/name</c>, for logs, errors and metric labels.</param>
/// <param name="Rules">Evaluated in order; the first that applies decides.</param>
public sealed record RouteConfig(string Name, IReadOnlyList<RouteRuleConfig> Rules)
{
    /// <summary>The kind of resource the route came from: <see cref="HttpKind"/> or <see cref="GrpcKind"/>.
    /// GRPCRoute method matches arrive already translated into path matches.</summary>
    public string Kind { get; init; } = HttpKind;

    /// <summary>An HTTPRoute.</summary>
    public const string HttpKind = "HTTPRoute";

    /// <summary>A GRPCRoute.</summary>
    public const string GrpcKind = "GRPCRoute";
}
