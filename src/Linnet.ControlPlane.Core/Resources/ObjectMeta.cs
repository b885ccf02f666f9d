namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Kubernetes-shaped metadata. <see cref="ResourceVersion"/> is the store revision of the
/// resource's last change (0 before it is stored); <see cref="Generation"/> counts spec changes.</summary>
public sealed record ObjectMeta
{
    /// <summary>Name, unique per kind and namespace.</summary>
    public required string Name { get; init; }

    /// <summary>Namespace; <c>default</c> when a manifest names none.</summary>
    public string Namespace { get; init; } = "default";

    /// <summary>Labels (selectors match on these).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Annotations.</summary>
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    /// <summary>Store revision of the last change.</summary>
    public long ResourceVersion { get; init; }

    /// <summary>Incremented by the store when the spec changes.</summary>
    public long Generation { get; init; }
}
