namespace Linnet.Proxy.Configuration;

/// <summary>An HTTPRoute or GRPCRoute attached to a service port: its rules, in precedence order.</summary>
/// <param name="Name">The route's <c>namespace/name</c>, for logs, errors and metric labels.</param>
/// <param name="Rules">Evaluated in order; the first that applies decides.</param>
internal sealed record RouteConfig(string Name, IReadOnlyList<RouteRuleConfig> Rules)
{
    /// <summary>The kind of resource the route came from: <see cref="HttpKind"/> or <see cref="GrpcKind"/>.
    /// GRPCRoute method matches arrive already translated into path matches.</summary>
    public string Kind { get; init; } = HttpKind;

    /// <summary>Gateway API <c>hostnames</c>: the route applies only to requests whose host (without the
    /// port) is one of these, exactly or, for <c>*.example.com</c>, by suffix. Empty: any host.</summary>
    public IReadOnlyList<string> Hostnames { get; init; } = [];

    /// <summary>An HTTPRoute.</summary>
    public const string HttpKind = "HTTPRoute";

    /// <summary>A GRPCRoute.</summary>
    public const string GrpcKind = "GRPCRoute";
}
