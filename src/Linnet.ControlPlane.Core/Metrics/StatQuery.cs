namespace Linnet.ControlPlane.Core.Metrics;

/// <summary>A <c>linnet stat</c> question.</summary>
/// <param name="Resource">What to list.</param>
/// <param name="Namespace">Only this namespace; null: all.</param>
/// <param name="Name">Only this resource; null: all of the namespace.</param>
/// <param name="Window">The window (Linkerd's <c>-t</c>).</param>
public sealed record StatQuery(StatResource Resource, string? Namespace, string? Name, TimeSpan Window)
{
    /// <summary>Workloads only: traffic sent by this workload (<c>--from</c>), listed by destination; null: none.</summary>
    public WorkloadRef? From { get; init; }

    /// <summary>Workloads only: traffic sent to this workload (<c>--to</c>), listed by source; null: none.</summary>
    public WorkloadRef? To { get; init; }
}
