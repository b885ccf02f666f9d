namespace Linnet.ControlPlane.Core.Translation;

/// <summary>What every proxy needs to know at one store revision: each service port with its endpoints
/// and routes. Pure data, computed by <see cref="MeshTranslator"/>; the gRPC adapter turns it into the
/// Destination API's messages for each subscriber.</summary>
public sealed record MeshView(long Revision, IReadOnlyList<MeshService> Services);

/// <summary>One service port.</summary>
/// <param name="Key">Unique: <c>name.namespace:port</c>.</param>
/// <param name="Name">The Service's name.</param>
/// <param name="Namespace">The Service's namespace.</param>
/// <param name="Port">The port clients address.</param>
/// <param name="Protocol">detect, opaque, http1, http2 or grpc.</param>
/// <param name="Endpoints">Ready instances that serve it.</param>
/// <param name="Routes">HTTPRoutes attached to it, in precedence order.</param>
/// <param name="LocalPort">Universal mode: where each instance's proxy serves it on the instance address (0: none).</param>
public sealed record MeshService(
    string Key,
    string Name,
    string Namespace,
    int Port,
    string Protocol,
    IReadOnlyList<MeshEndpoint> Endpoints,
    IReadOnlyList<MeshRoute> Routes,
    int LocalPort)
{
    /// <summary>The retry budget of callers towards this service (from the Service's annotations).</summary>
    public Resources.RetryBudgetPolicy RetryBudget { get; init; } = Resources.RetryBudgetPolicy.Default;

    /// <summary>Failure accrual for its endpoints; null: disabled by annotation.</summary>
    public Resources.FailureAccrualPolicy? CircuitBreaker { get; init; } = Resources.FailureAccrualPolicy.Default;

    /// <inheritdoc />
    public bool Equals(MeshService? other) =>
        other is not null && Key == other.Key && Protocol == other.Protocol && LocalPort == other.LocalPort
        && Endpoints.SequenceEqual(other.Endpoints) && Routes.SequenceEqual(other.Routes)
        && RetryBudget.Equals(other.RetryBudget) && Equals(CircuitBreaker, other.CircuitBreaker);

    /// <inheritdoc />
    public override int GetHashCode() => Key.GetHashCode(StringComparison.Ordinal);
}

/// <summary>An address that serves a service port.</summary>
/// <param name="Meshed">True: the address is the instance's proxy (inbound); false: the app itself.</param>
public sealed record MeshEndpoint(string Address, int Port, int Weight, string Identity, string Instance, bool Meshed)
{
    /// <summary>The workload the instance belongs to (Linkerd's owner, the <c>dst_deployment</c> label).</summary>
    public string Workload { get; init; } = "";

    /// <summary>The instance's service account (the <c>dst_serviceaccount</c> label).</summary>
    public string ServiceAccount { get; init; } = "";
}

/// <summary>An HTTPRoute or GRPCRoute, flattened (gRPC method matches become path matches).</summary>
public sealed record MeshRoute(string Name, IReadOnlyList<MeshRule> Rules)
{
    /// <summary><c>HTTPRoute</c> or <c>GRPCRoute</c>.</summary>
    public string Kind { get; init; } = Resources.HttpRouteResource.KindName;

    /// <summary>The route's Gateway API <c>hostnames</c>; empty: any host.</summary>
    public IReadOnlyList<string> Hostnames { get; init; } = [];

    /// <inheritdoc />
    public bool Equals(MeshRoute? other) => other is not null && Name == other.Name && Kind == other.Kind && Rules.SequenceEqual(other.Rules) && Hostnames.SequenceEqual(other.Hostnames);

    /// <inheritdoc />
    public override int GetHashCode() => Name.GetHashCode(StringComparison.Ordinal);
}

/// <summary>A rule: any match selects it (none: every request); backends are weighted service keys.</summary>
public sealed record MeshRule(IReadOnlyList<MeshMatch> Matches, IReadOnlyList<MeshBackend> Backends)
{
    /// <summary>Request header changes; null: none.</summary>
    public Resources.HeaderModifier? RequestHeaders { get; init; }

    /// <summary>Response header changes; null: none.</summary>
    public Resources.HeaderModifier? ResponseHeaders { get; init; }

    /// <summary>Timeouts; null: none.</summary>
    public Resources.RouteTimeouts? Timeouts { get; init; }

    /// <summary>Injected faults; null: none.</summary>
    public Resources.FaultInjection? Fault { get; init; }

    /// <summary>Retries with defaults applied; null: none.</summary>
    public MeshRetry? Retry { get; init; }

    /// <summary>The mirror, resolved to a service key; null: none (or its Service does not exist).</summary>
    public MeshMirror? Mirror { get; init; }

    /// <summary>Gateway API <c>URLRewrite</c>; null: none.</summary>
    public Resources.UrlRewrite? Rewrite { get; init; }

    /// <summary>Gateway API <c>RequestRedirect</c>; null: the rule forwards.</summary>
    public Resources.RequestRedirect? Redirect { get; init; }

    /// <inheritdoc />
    public bool Equals(MeshRule? other) =>
        other is not null && Matches.SequenceEqual(other.Matches) && Backends.SequenceEqual(other.Backends)
        && Equals(RequestHeaders, other.RequestHeaders) && Equals(ResponseHeaders, other.ResponseHeaders)
        && Equals(Timeouts, other.Timeouts) && Equals(Fault, other.Fault) && Equals(Retry, other.Retry) && Equals(Mirror, other.Mirror)
        && Equals(Rewrite, other.Rewrite) && Equals(Redirect, other.Redirect);

    /// <inheritdoc />
    public override int GetHashCode() => Backends.Count;
}

/// <summary>Path (Exact, PathPrefix, RegularExpression), header and query-parameter (Exact, RegularExpression)
/// and method conditions.</summary>
public sealed record MeshMatch(Resources.PathMatch? Path, IReadOnlyList<Resources.HeaderMatch> Headers)
{
    /// <summary>Query-parameter conditions.</summary>
    public IReadOnlyList<Resources.QueryParamMatch> QueryParams { get; init; } = [];

    /// <summary>The method; null: any.</summary>
    public string? Method { get; init; }

    /// <inheritdoc />
    public bool Equals(MeshMatch? other) =>
        other is not null && Equals(Path, other.Path) && Headers.SequenceEqual(other.Headers)
        && QueryParams.SequenceEqual(other.QueryParams) && Method == other.Method;

    /// <inheritdoc />
    public override int GetHashCode() => Headers.Count;
}

/// <summary>A weighted backend, with the header modifiers of its backendRef (Gateway API per-backend filters): applied
/// only to the requests sent to it and to its responses.</summary>
public sealed record MeshBackend(string ServiceKey, int Weight)
{
    /// <summary>Request header changes for this backend only; null: none.</summary>
    public Resources.HeaderModifier? RequestHeaders { get; init; }

    /// <summary>Response header changes for this backend's responses only; null: none.</summary>
    public Resources.HeaderModifier? ResponseHeaders { get; init; }
}
