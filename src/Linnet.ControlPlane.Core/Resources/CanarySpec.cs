namespace Linnet.ControlPlane.Core.Resources;

/// <summary>Canary spec: the fields of Flagger's <c>CanarySpec</c> that Linnet honours (the parser refuses the
/// others with a reason).</summary>
/// <param name="TargetName">The Workload rolled out (Flagger's <c>targetRef.name</c>; kind Workload, or Deployment
/// read as the Workload of that name in universal mode).</param>
/// <param name="Service">The apex Service and its port.</param>
/// <param name="Analysis">How traffic moves and what is checked.</param>
public sealed record CanarySpec(string TargetName, CanaryServiceSpec Service, CanaryAnalysis Analysis)
{
    /// <summary>Flagger's <c>progressDeadlineSeconds</c> (default 600): how long the canary may stay not ready
    /// while progressing before it is rolled back.</summary>
    public int ProgressDeadlineSeconds { get; init; } = 600;

    /// <summary>Promote a new revision without analysis.</summary>
    public bool SkipAnalysis { get; init; }

    /// <summary>Stop acting on this canary (status and traffic stay as they are).</summary>
    public bool Suspend { get; init; }

    /// <summary>Flagger's <c>revertOnDeletion</c>: deleting the Canary first gives the target its traffic back (scaled
    /// to the primary's replicas, the apex Service selecting it once it is ready), then removes the objects the
    /// controller made (phases <c>Terminating</c>, <c>Terminated</c>).</summary>
    public bool RevertOnDeletion { get; init; }
}
