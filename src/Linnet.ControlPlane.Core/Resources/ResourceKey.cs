namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Identifies a resource: its kind, namespace and name, and, for an object of a group other than its kind's
/// own, that group.</summary>
/// <remarks>A kind may be accepted in several API groups (<c>HTTPRoute</c>: Gateway API's and Linkerd's
/// <c>policy.linkerd.io</c>). In a cluster those are different resources, so a same-named object of each exists at
/// once; the key keeps them apart. <see cref="Group"/> is null for the kind's own group (that of its first apiVersion
/// in the registry), so the one canonical key of every other object is unchanged.</remarks>
public readonly record struct ResourceKey(string Kind, string Namespace, string Name)
{
    /// <summary>The API group when it is not the kind's own (<c>policy.linkerd.io</c> for Linkerd's HTTPRoute);
    /// null otherwise (see <see cref="Kinds.ResourceKinds.KeyGroup"/>).</summary>
    public string? Group { get; init; }

    /// <summary>The kind, followed by <c>.group</c> when <see cref="Group"/> is set (<c>HTTPRoute.policy.linkerd.io</c>,
    /// Kubernetes' notation of a kind in a group): what the HTTP API and the CLI take to name it.</summary>
    public string QualifiedKind => Group is null ? Kind : $"{Kind}.{Group}";

    /// <inheritdoc />
    public override string ToString() => $"{QualifiedKind}/{Namespace}/{Name}";
}
