namespace Linnet.ControlPlane.Core.Resources;

/// <summary>A stored object: <c>apiVersion</c>, <c>kind</c>, <c>metadata</c>, a typed spec and an optional
/// status, as Kubernetes shapes them, so one set of manifests serves both platforms.</summary>
public abstract record Resource
{
    /// <summary>The API group and version, e.g. <c>v1</c> or <c>linnet.io/v1alpha1</c>.</summary>
    public abstract string ApiVersion { get; }

    /// <summary>The kind, e.g. <c>Service</c>.</summary>
    public abstract string Kind { get; }

    /// <summary>Name, namespace, labels, versions.</summary>
    public required ObjectMeta Metadata { get; init; }

    /// <summary>The resource's identity in the store: kind, namespace, name, and the API group when it is not the
    /// kind's own (<see cref="Kinds.ResourceKinds.KeyGroup"/>).</summary>
    public ResourceKey Key => new(Kind, Metadata.Namespace, Metadata.Name) { Group = Kinds.ResourceKinds.KeyGroup(Kind, ApiVersion) };

    /// <summary>True when the two resources' specs are equal (status and metadata versions ignored).</summary>
    public abstract bool SpecEquals(Resource other);

    /// <summary>True when the two resources' statuses are equal; kinds without a status are always equal.</summary>
    public virtual bool StatusEquals(Resource other) => true;

    /// <summary>Same spec, status, labels and annotations: storing one over the other changes nothing.</summary>
    public bool ContentEquals(Resource other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return SpecEquals(other) && StatusEquals(other)
            && DictionaryEquality.Equal(Metadata.Labels, other.Metadata.Labels)
            && DictionaryEquality.Equal(Metadata.Annotations, other.Metadata.Annotations);
    }
}
