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
    /// <inheritdoc />
    public bool Equals(MeshService? other) =>
        other is not null && Key == other.Key && Protocol == other.Protocol && LocalPort == other.LocalPort
        && Endpoints.SequenceEqual(other.Endpoints) && Routes.SequenceEqual(other.Routes);

    /// <inheritdoc />
    public override int GetHashCode() => Key.GetHashCode(StringComparison.Ordinal);
}

/// <summary>An address that serves a service port.</summary>
/// <param name="Meshed">True: the address is the instance's proxy (inbound); false: the app itself.</param>
public sealed record MeshEndpoint(string Address, int Port, int Weight, string Identity, string Instance, bool Meshed);

/// <summary>An HTTPRoute, flattened.</summary>
public sealed record MeshRoute(string Name, IReadOnlyList<MeshRule> Rules)
{
    /// <inheritdoc />
    public bool Equals(MeshRoute? other) => other is not null && Name == other.Name && Rules.SequenceEqual(other.Rules);

    /// <inheritdoc />
    public override int GetHashCode() => Name.GetHashCode(StringComparison.Ordinal);
}

/// <summary>A rule: any match selects it (none: every request); backends are weighted service keys.</summary>
public sealed record MeshRule(IReadOnlyList<MeshMatch> Matches, IReadOnlyList<MeshBackend> Backends)
{
    /// <inheritdoc />
    public bool Equals(MeshRule? other) => other is not null && Matches.SequenceEqual(other.Matches) && Backends.SequenceEqual(other.Backends);

    /// <inheritdoc />
    public override int GetHashCode() => Backends.Count;
}

/// <summary>Path (Exact, PathPrefix, RegularExpression) and header (Exact, RegularExpression) conditions.</summary>
public sealed record MeshMatch(Resources.PathMatch? Path, IReadOnlyList<Resources.HeaderMatch> Headers)
{
    /// <inheritdoc />
    public bool Equals(MeshMatch? other) => other is not null && Equals(Path, other.Path) && Headers.SequenceEqual(other.Headers);

    /// <inheritdoc />
    public override int GetHashCode() => Headers.Count;
}

/// <summary>A weighted backend.</summary>
public sealed record MeshBackend(string ServiceKey, int Weight);
