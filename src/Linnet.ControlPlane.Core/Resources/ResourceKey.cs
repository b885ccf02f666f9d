namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Identifies a resource: its kind, namespace and name.</summary>
public readonly record struct ResourceKey(string Kind, string Namespace, string Name)
{
    /// <inheritdoc />
    public override string ToString() => $"{Kind}/{Namespace}/{Name}";
}
