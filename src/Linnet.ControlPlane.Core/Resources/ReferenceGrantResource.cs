namespace Linnet.ControlPlane.Core.Resources;

/// <summary>A Gateway API <c>ReferenceGrant</c> (<c>gateway.networking.k8s.io/v1beta1</c>): in its own namespace,
/// it lets routes of the listed kinds in the listed namespaces reference the listed Services. A route's backendRef
/// to a Service in another namespace resolves only with one (otherwise <c>ResolvedRefs</c> is False with reason
/// <c>RefNotPermitted</c> and the backend gets no traffic), and removing the grant revokes the reference.</summary>
public sealed record ReferenceGrantResource : Resource
{
    /// <summary>The kind name.</summary>
    public const string KindName = "ReferenceGrant";

    /// <summary>The Gateway API group, of the grant and of the routes it lets in.</summary>
    public const string GatewayGroup = "gateway.networking.k8s.io";

    /// <summary>The versions accepted on apply (v1 since Gateway API 1.4; v1beta1 the standard channel before).</summary>
    public static readonly IReadOnlyList<string> Versions = ["gateway.networking.k8s.io/v1beta1", "gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1alpha2"];

    /// <inheritdoc />
    public override string ApiVersion => "gateway.networking.k8s.io/v1beta1";

    /// <inheritdoc />
    public override string Kind => KindName;

    /// <summary>The spec.</summary>
    public required ReferenceGrantSpec Spec { get; init; }

    /// <inheritdoc />
    public override bool SpecEquals(Resource other) => other is ReferenceGrantResource g && Spec.Equals(g.Spec);

    /// <summary>Whether this grant lets a route of <paramref name="routeKind"/> in <paramref name="routeNamespace"/>
    /// reference the Service <paramref name="service"/> in the grant's namespace.</summary>
    public bool Permits(string routeKind, string routeNamespace, string service) =>
        Spec.From.Any(f => f.Group == GatewayGroup && f.Kind == routeKind && f.Namespace == routeNamespace)
        && Spec.To.Any(t => t.Group == "" && t.Kind == ServiceResource.KindName && (t.Name is null || t.Name == service));
}

/// <summary>ReferenceGrant spec: entries of each list are ORed.</summary>
public sealed record ReferenceGrantSpec(IReadOnlyList<ReferenceGrantFrom> From, IReadOnlyList<ReferenceGrantTo> To)
{
    /// <inheritdoc />
    public bool Equals(ReferenceGrantSpec? other) => other is not null && From.SequenceEqual(other.From) && To.SequenceEqual(other.To);

    /// <inheritdoc />
    public override int GetHashCode() => From.Count;
}

/// <summary>Where references may come from: a route kind in a namespace.</summary>
public sealed record ReferenceGrantFrom(string Group, string Kind, string Namespace);

/// <summary>What may be referenced: Services of the grant's namespace, all of them or the one named.</summary>
public sealed record ReferenceGrantTo(string Group, string Kind, string? Name);
