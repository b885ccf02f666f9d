namespace Linnet.ControlPlane.Core.Resources;

/// <summary>An <c>HTTPRoute</c> (<c>gateway.networking.k8s.io/v1</c>, or Linkerd's <c>policy.linkerd.io</c> one) attached
/// to a Service: rules of matches and weighted backends, in the Gateway API's shape (the GAMMA mesh profile).</summary>
public sealed record HttpRouteResource : Resource
{
    /// <summary>The kind name.</summary>
    public const string KindName = "HTTPRoute";

    /// <summary>Gateway API's group, the kind's own.</summary>
    public const string GatewayGroup = "gateway.networking.k8s.io";

    /// <summary>Linkerd's group: a <c>policy.linkerd.io</c> HTTPRoute is another resource in a cluster, kept apart from
    /// a same-named Gateway API one (its key carries the group).</summary>
    public const string LinkerdGroup = "policy.linkerd.io";

    /// <summary>The API group it was read from: <see cref="GatewayGroup"/> or <see cref="LinkerdGroup"/>.</summary>
    public string Group
    {
        get;
        init => field = value is GatewayGroup or LinkerdGroup
            ? value
            : throw new ArgumentException($"an HTTPRoute is of {GatewayGroup} or {LinkerdGroup}, not '{value}'", nameof(value));
    } = GatewayGroup;

    /// <inheritdoc />
    /// <remarks>The version written back in each group: Gateway API's <c>v1</c>, Linkerd's <c>v1beta3</c> (its newest,
    /// which accepts everything its older versions do).</remarks>
    public override string ApiVersion => Group == LinkerdGroup ? $"{LinkerdGroup}/v1beta3" : $"{GatewayGroup}/v1";

    /// <inheritdoc />
    public override string Kind => KindName;

    /// <summary>The spec.</summary>
    public required HttpRouteSpec Spec { get; init; }

    /// <inheritdoc />
    public override bool SpecEquals(Resource other) => other is HttpRouteResource r && Spec.Equals(r.Spec);

    /// <summary>Gateway API status, per parentRef (written by the route status controller).</summary>
    public RouteStatus Status { get; init; } = RouteStatus.Empty;

    /// <inheritdoc />
    public override bool StatusEquals(Resource other) => other is HttpRouteResource r && Status.Equals(r.Status);
}

/// <summary>Route spec.</summary>
public sealed record HttpRouteSpec(IReadOnlyList<ParentRef> ParentRefs, IReadOnlyList<HttpRouteRule> Rules)
{
    /// <inheritdoc />
    public bool Equals(HttpRouteSpec? other) =>
        other is not null && ParentRefs.SequenceEqual(other.ParentRefs) && Rules.SequenceEqual(other.Rules)
        && Hostnames.SequenceEqual(other.Hostnames);

    /// <summary>Gateway API <c>hostnames</c>: the route applies to requests whose Host is one of these
    /// (<c>*.example.com</c>: any name under example.com). Empty: any host.</summary>
    public IReadOnlyList<string> Hostnames { get; init; } = [];

    /// <inheritdoc />
    public override int GetHashCode() => Rules.Count;
}

/// <summary>The Service (and optionally port) a route attaches to.</summary>
public sealed record ParentRef(string Name, string? Namespace, int? Port);

/// <summary>One rule: any of its matches selects its backends. No matches means every request.</summary>
public sealed record HttpRouteRule(IReadOnlyList<HttpRouteMatch> Matches, IReadOnlyList<BackendRef> BackendRefs)
{
    /// <summary>The rule's filters (header modifiers, mirror, Linnet's fault injection and retry).</summary>
    public RouteFilters Filters { get; init; } = RouteFilters.None;

    /// <summary>Gateway API <c>timeouts</c>; null: none.</summary>
    public RouteTimeouts? Timeouts { get; init; }

    /// <inheritdoc />
    public bool Equals(HttpRouteRule? other) =>
        other is not null && Matches.SequenceEqual(other.Matches) && BackendRefs.SequenceEqual(other.BackendRefs)
        && Filters.Equals(other.Filters) && Equals(Timeouts, other.Timeouts);

    /// <inheritdoc />
    public override int GetHashCode() => Matches.Count;
}

/// <summary>A match: a path condition, header conditions, query-parameter conditions and a method, all of
/// which must hold.</summary>
public sealed record HttpRouteMatch(PathMatch? Path, IReadOnlyList<HeaderMatch> Headers)
{
    /// <summary>Query-parameter conditions (Gateway API <c>queryParams</c>).</summary>
    public IReadOnlyList<QueryParamMatch> QueryParams { get; init; } = [];

    /// <summary>The HTTP method (upper case); null: any.</summary>
    public string? Method { get; init; }

    /// <inheritdoc />
    public bool Equals(HttpRouteMatch? other) =>
        other is not null && Equals(Path, other.Path) && Headers.SequenceEqual(other.Headers)
        && QueryParams.SequenceEqual(other.QueryParams) && Method == other.Method;

    /// <inheritdoc />
    public override int GetHashCode() => Headers.Count;
}

/// <summary>Path condition: <c>Exact</c>, <c>PathPrefix</c> or <c>RegularExpression</c>.</summary>
public sealed record PathMatch(string Type, string Value);

/// <summary>Header condition: <c>Exact</c> or <c>RegularExpression</c>.</summary>
public sealed record HeaderMatch(string Type, string Name, string Value);

/// <summary>A weighted backend: a Service (core group) unless <see cref="Group"/> or <see cref="Kind"/> say otherwise, in
/// which case it is kept (so that the route's status can say <c>InvalidKind</c>, as Gateway API requires) but never
/// routed to.</summary>
public sealed record BackendRef(string Name, string? Namespace, int? Port, int Weight)
{
    /// <summary>The referent's API group: <c>""</c> (core) for a Service.</summary>
    public string Group { get; init; } = "";

    /// <summary>The referent's kind.</summary>
    public string Kind { get; init; } = ServiceResource.KindName;

    /// <summary>Gateway API's per-backendRef <c>filters</c>: applied only to requests the rule sends to this backend and
    /// to their responses. Only the header modifiers are accepted there.</summary>
    public RouteFilters Filters { get; init; } = RouteFilters.None;

    /// <summary>Whether it names a core Service, the only kind of backend Linnet has.</summary>
    public bool IsService => Group is ("" or "core") && Kind == ServiceResource.KindName;
}
