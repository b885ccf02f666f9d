namespace Linnet.ControlPlane.Core.Metrics;

/// <summary>A workload by namespace and name.</summary>
public sealed record WorkloadRef(string Namespace, string Name)
{
    /// <inheritdoc />
    public override string ToString() => $"{Namespace}/{Name}";
}
