namespace Linnet.ControlPlane.Core.Resources;

/// <summary>What a Deployment asks for.</summary>
/// <param name="Replicas">Desired pods (the API server's default, 1, when unset).</param>
/// <param name="TemplateLabels">The pod template's labels (what Services select).</param>
/// <param name="Containers">The pod template's containers, init containers first, each with its image.</param>
public sealed record DeploymentSpec(int Replicas, IReadOnlyDictionary<string, string> TemplateLabels, IReadOnlyList<DeploymentContainer> Containers)
{
    /// <inheritdoc />
    public bool Equals(DeploymentSpec? other) =>
        other is not null && Replicas == other.Replicas && DictionaryEquality.Equal(TemplateLabels, other.TemplateLabels) && Containers.SequenceEqual(other.Containers);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Replicas, Containers.Count);
}
